#!/bin/sh
# The builder image's entry point: `cniso IMAGE [options]` means `cniso build
# IMAGE [options]`; the other subcommands and --help/--version pass through.
# cniso runs with only the Deno permissions it needs (builder/permissions):
# files, subprocesses (the tools), the environment, and its own uid. No network.
case "${1:-}" in
  build | check | boot-test | completions | help | -h | --help | --version | -V) ;;
  *) set -- build "$@" ;;
esac
# shellcheck disable=SC2046 # the flags are words
exec deno run $(cat /opt/cniso/permissions) --no-prompt --cached-only /opt/cniso/main.ts "$@"
