#include "cli/cli.h"

int main(int argc, char** argv) { return sphere::cli::Run(argc, argv); }
