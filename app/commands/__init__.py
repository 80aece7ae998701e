"""One module per `zaadje` sub-command group; each exposes `register(subparsers)`."""
