/** A command line the CLI cannot run: one line for the user, then "run gopher-reload --help", exit 2. */
export class UsageError extends Error {}
