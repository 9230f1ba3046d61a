#!/bin/sh
# The builder image's entry point: `cniso IMAGE [options]` means `cniso build
# IMAGE [options]`; the other subcommands and --help/--version pass through.
case "${1:-}" in
  build | check | boot-test | help | -h | --help | --version) ;;
  *) set -- build "$@" ;;
esac
exec deno run -A --cached-only /opt/cniso/main.ts "$@"
