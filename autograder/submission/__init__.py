"""The submission stage: from what a student uploaded (a folder, a file, a zip, a notebook) to a
folder of modules the worker can import (`staging`), with zips unpacked safely (`archive`) and
notebooks turned into modules (`notebook`)."""
