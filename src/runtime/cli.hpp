#pragma once
// The command line: `run`, `sandbox`, `validate`, each with --help. main() only calls this.
namespace ats::runtime {

// Exit codes: 0 ok, 1 runtime failure (e.g. snapshot refused, port in use), 2 bad usage or
// bad configuration.
int RunCli(int argc, char** argv);

}  // namespace ats::runtime
