// The binary is only the command line; everything else lives in ats_core (src/).
#include "runtime/cli.hpp"

int main(int argc, char** argv) {
  return ats::runtime::RunCli(argc, argv);
}
