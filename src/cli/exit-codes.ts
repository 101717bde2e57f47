// Exit codes shared by every subcommand, as s6 and tini use them.
export const EXIT_USAGE = 100;
export const EXIT_SYSTEM = 111;
export const EXIT_NOT_EXECUTABLE = 126;
export const EXIT_NOT_FOUND = 127;
