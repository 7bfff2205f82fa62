"""The sandbox stage: student code runs in a separate, confined worker process (child/), started
by spawn, confined from the plan, measured by memory, ended by cleanup; runner talks to it."""
