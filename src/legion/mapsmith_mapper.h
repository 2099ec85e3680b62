#pragma once
/// The runtime-loaded mapsmith mapper: a Legion mapper that reads a mapping program at start-up
/// and applies it through mapsmith's own parser, checker and evaluator, so a new mapper needs no
/// recompilation. This header is all an application includes; it needs C++17.
///
///   int main(int argc, char** argv) {
///     ...register tasks...
///     mapsmith::legion::register_mapper();
///     return Legion::Runtime::start(argc, argv);
///   }
///
/// and then: ./app -mapping my.mapping [-mapsmith:log] ...
namespace mapsmith::legion {

/// Installs the mapper on every processor of every process. At start-up it reads the file named
/// by `-mapping FILE` on the command line; a program with errors stops the run with its
/// diagnostics. Without -mapping, Legion's default mapper stays. Call before Runtime::start().
void register_mapper();

}  // namespace mapsmith::legion
