"""Results: the outcome vocabulary, our report of a grading run, and student text made safe
for the Markdown the reporters write."""
