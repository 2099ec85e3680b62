#include "cli/cli.h"

int main(int argc, char** argv) { return mapsmith::cli::run(argc, argv); }
