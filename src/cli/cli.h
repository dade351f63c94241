// The `sphere` command line: one subcommand per use case, thin over service/.
#pragma once

namespace sphere::cli {

// Parses argv, runs the chosen subcommand, prints errors as "sphere: error: ..." on
// stderr, and returns the process exit code (0 ok, 1 failed, 2 bad usage).
int Run(int argc, char** argv);

}  // namespace sphere::cli
