#pragma once
/// Legion Prof's binary log (`-lg:prof N -lg:prof_logfile prof_%.gz`, one file per process),
/// read the way Legion's own readers read it: the file starts with a self-describing header
/// that lists every record type with its id and its fields (name, type, size), then holds the
/// records, each an int32 id followed by its fields as the header says. Nothing here assumes an
/// offset: a record type this reader does not use is skipped by its header entry, and a field it
/// needs is found by name. docs/import.md describes the format.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "importer/log_file.h"

namespace mapsmith::importer {

/// LEGION_PROF_VERSION of the Legion this reader was written and tested against (25.06).
inline constexpr std::uint32_t kProfVersion = 1008;
inline constexpr const char* kLegionVersion = "25.06.0";

/// One field of a record type, as the header declares it.
struct ProfField {
  std::string name;
  std::string type;
  int size = 0;  ///< bytes; -1 for a NUL-terminated string
};
struct ProfRecordFormat {
  std::string name;
  std::int32_t id = 0;
  std::vector<ProfField> fields;
};

struct ProfProc {
  std::uint64_t id = 0;
  int kind = 0;  ///< Realm's Processor::Kind (LOC_PROC = 2, ...)
};
struct ProfMem {
  std::uint64_t id = 0;
  int kind = 0;  ///< Realm's Memory::Kind (SYSTEM_MEM = 2, ...)
  std::uint64_t capacity = 0;
};
struct ProfAffinity {
  std::uint64_t proc = 0;
  std::uint64_t mem = 0;
  std::uint32_t bandwidth = 0;  ///< Realm's nominal figure, not a measurement
  std::uint32_t latency = 0;
};
/// A task body that ran. Times are nanoseconds on the process's clock.
struct ProfTask {
  std::uint64_t op_id = 0;  ///< the task's unique id: Legion Spy's UID of the same task
  std::uint32_t task_id = 0;
  std::uint32_t variant_id = 0;
  std::uint64_t proc = 0;
  std::uint64_t create = 0, ready = 0, start = 0, stop = 0;
  /// An ImplicitTaskInfo record: a thread outside Legion's processors (the "External Thread"
  /// that started the runtime), not a task the program launched.
  bool implicit = false;
};
/// A copy (or a fill: `src_mem` 0) the runtime issued for operation `op_id`.
struct ProfCopy {
  std::uint64_t op_id = 0;
  std::uint64_t size = 0;  ///< bytes
  std::uint64_t create = 0, ready = 0, start = 0, stop = 0;
  std::uint64_t fevent = 0;
  std::uint64_t src_mem = 0, dst_mem = 0;  ///< from the first CopyInstInfo / FillInstInfo
  std::uint32_t fields = 0;                ///< CopyInstInfo / FillInstInfo records joined
  bool indirect = false;
};
struct ProfInstance {
  std::uint64_t uid = 0;  ///< the instance's unique event (Legion Spy's instance event)
  std::uint64_t mem = 0;
  std::uint64_t size = 0;
  std::uint64_t op_id = 0;
};

/// One process's machine description (MachineDesc).
struct ProfProcess {
  std::string file;
  std::uint32_t node = 0;
  std::string hostname;
  std::uint64_t host_id = 0;
  std::uint32_t pid = 0;
};

struct ProfLog {
  std::string header_version;  ///< "1.0" (the FileType line)
  std::uint32_t version = 0;   ///< MachineDesc's version (LEGION_PROF_VERSION)
  std::uint32_t nodes = 0;     ///< MachineDesc's num_nodes
  std::vector<ProfProcess> processes;
  std::vector<ProfProc> procs;
  std::vector<ProfMem> mems;
  std::vector<ProfAffinity> affinities;
  std::map<std::uint32_t, std::string> task_names;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::string> variant_names;
  std::vector<ProfTask> tasks;
  std::vector<ProfCopy> copies;
  std::vector<ProfCopy> fills;
  std::vector<ProfInstance> instances;
  std::map<std::string, std::uint64_t> record_counts;  ///< records read, per type
};

/// Reads the header of a Prof log: the FileType line and the record formats up to the empty
/// line. Throws InputError located at the header's line.
std::vector<ProfRecordFormat> read_prof_header(LogFile& file, std::string& version);

/// Reads every file (one per process) into one log. Throws InputError naming the file and the
/// line (header) or byte offset (records) of the first problem: not a Prof log, another format
/// or Legion version, an unknown record id, a record cut off by the end of the file.
ProfLog read_prof(const std::vector<std::string>& files, const Progress& progress = {});

}  // namespace mapsmith::importer
