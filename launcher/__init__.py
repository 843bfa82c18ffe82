"""What starts processes: `make run` (run), `make shell` (shell) and
`make run-cluster` (cluster), all built on servers, which starts, watches
and stops the action server, Rasa, the console and the demo page."""
