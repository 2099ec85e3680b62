#pragma once
/// Helpers for the importer's tests: files in a fresh directory, gzip, and a writer of Legion
/// Prof binary logs whose header declares the record types the way Legion 25.06's
/// legion_profiling_serializer.cc does (names, field names, types and sizes as it writes them).
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace mapsmith::importer::test {

/// A fresh directory for one test.
inline std::string temp_dir(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path p =
      std::filesystem::path(::testing::TempDir()) /
      (std::string("importer_") + info->test_suite_name() + "_" + info->name() + "_" + name);
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

inline void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  if (!bytes.empty()) {
    ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
  }
  gzclose(f);
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

/// One record type of a Prof header: "Name {id:N, field:type:size, ...}".
struct RecordType {
  std::string name;
  int id;
  std::vector<std::tuple<std::string, std::string, int>> fields;
};

/// The record types of Legion 25.06 that the tests write, plus some the importer skips.
inline std::vector<RecordType> legion_25_06_types() {
  const char* u64 = "unsigned long long";
  return {
      {"MapperName",
       1,
       {{"mapper_id", "MapperID", 4}, {"mapper_proc", "ProcID", 8}, {"name", "string", -1}}},
      {"ProcDesc",
       6,
       {{"proc_id", "ProcID", 8},
        {"kind", "ProcKind", 4},
        {"uuid_size", "uuid_size", 4},
        {"cuda_device_uuid", "uuid", 1}}},
      {"MemDesc", 7, {{"mem_id", "MemID", 8}, {"kind", "MemKind", 4}, {"capacity", u64, 8}}},
      {"MaxDimDesc", 8, {{"max_dim", "maxdim", 4}}},
      {"MachineDesc",
       10,
       {{"node_id", "unsigned", 4},
        {"num_nodes", "unsigned", 4},
        {"version", "unsigned", 4},
        {"hostname", "string", -1},
        {"host_id", u64, 8},
        {"process_id", "unsigned", 4}}},
      {"TaskKind",
       11,
       {{"task_id", "TaskID", 4}, {"name", "string", -1}, {"overwrite", "bool", 1}}},
      {"TaskVariant",
       12,
       {{"task_id", "TaskID", 4}, {"variant_id", "VariantID", 4}, {"name", "string", -1}}},
      {"TaskInfo",
       18,
       {{"op_id", "UniqueID", 8},
        {"task_id", "TaskID", 4},
        {"variant_id", "VariantID", 4},
        {"proc_id", "ProcID", 8},
        {"create", "timestamp_t", 8},
        {"ready", "timestamp_t", 8},
        {"start", "timestamp_t", 8},
        {"stop", "timestamp_t", 8},
        {"creator", u64, 8},
        {"critical", u64, 8},
        {"fevent", u64, 8}}},
      {"MetaInfo",
       19,
       {{"op_id", "UniqueID", 8},
        {"lg_id", "unsigned", 4},
        {"proc_id", "ProcID", 8},
        {"create", "timestamp_t", 8},
        {"ready", "timestamp_t", 8},
        {"start", "timestamp_t", 8},
        {"stop", "timestamp_t", 8},
        {"creator", u64, 8},
        {"critical", u64, 8},
        {"fevent", u64, 8}}},
      {"CopyInfo",
       20,
       {{"op_id", "UniqueID", 8},
        {"size", u64, 8},
        {"create", "timestamp_t", 8},
        {"ready", "timestamp_t", 8},
        {"start", "timestamp_t", 8},
        {"stop", "timestamp_t", 8},
        {"creator", u64, 8},
        {"critical", u64, 8},
        {"fevent", u64, 8},
        {"collective", "unsigned", 4}}},
      {"FillInfo",
       21,
       {{"op_id", "UniqueID", 8},
        {"size", u64, 8},
        {"create", "timestamp_t", 8},
        {"ready", "timestamp_t", 8},
        {"start", "timestamp_t", 8},
        {"stop", "timestamp_t", 8},
        {"creator", u64, 8},
        {"critical", u64, 8},
        {"fevent", u64, 8}}},
      {"InstTimelineInfo",
       22,
       {{"inst_uid", u64, 8},
        {"inst_id", "InstID", 8},
        {"mem_id", "MemID", 8},
        {"size", u64, 8},
        {"op_id", "UniqueID", 8},
        {"create", "timestamp_t", 8},
        {"ready", "timestamp_t", 8},
        {"destroy", "timestamp_t", 8},
        {"creator", u64, 8}}},
      {"ProcMDesc",
       30,
       {{"proc_id", "ProcID", 8},
        {"mem_id", "MemID", 8},
        {"bandwidth", "unsigned", 4},
        {"latency", "unsigned", 4}}},
      {"IndexSpacePointDesc",
       31,
       {{"unique_id", "IDType", 8}, {"dim", "unsigned", 4}, {"rem", "point", 8}}},
      {"IndexSpaceRectDesc",
       32,
       {{"unique_id", "IDType", 8}, {"dim", "unsigned", 4}, {"rem", "array", 8}}},
      {"CopyInstInfo",
       48,
       {{"src", "MemID", 8},
        {"dst", "MemID", 8},
        {"src_fid", "unsigned", 4},
        {"dst_fid", "unsigned", 4},
        {"src_inst", u64, 8},
        {"dst_inst", u64, 8},
        {"fevent", u64, 8},
        {"num_hops", "unsigned", 4},
        {"indirect", "bool", 1}}},
      {"FillInstInfo",
       49,
       {{"dst", "MemID", 8}, {"fid", "unsigned", 4}, {"dst_inst", u64, 8}, {"fevent", u64, 8}}},
      {"ImplicitTaskInfo",
       28,
       {{"op_id", "UniqueID", 8},
        {"task_id", "TaskID", 4},
        {"variant_id", "VariantID", 4},
        {"proc_id", "ProcID", 8},
        {"create", "timestamp_t", 8},
        {"ready", "timestamp_t", 8},
        {"start", "timestamp_t", 8},
        {"stop", "timestamp_t", 8},
        {"creator", u64, 8},
        {"critical", u64, 8},
        {"fevent", u64, 8}}},
      {"GPUTaskInfo",
       29,
       {{"op_id", "UniqueID", 8},
        {"task_id", "TaskID", 4},
        {"variant_id", "VariantID", 4},
        {"proc_id", "ProcID", 8},
        {"create", "timestamp_t", 8},
        {"ready", "timestamp_t", 8},
        {"start", "timestamp_t", 8},
        {"stop", "timestamp_t", 8},
        {"gpu_start", "timestamp_t", 8},
        {"gpu_stop", "timestamp_t", 8},
        {"creator", u64, 8},
        {"critical", u64, 8},
        {"fevent", u64, 8}}},
  };
}

/// A field's value: an integer, a string or a list (a point, a uuid).
struct Val {
  std::variant<std::uint64_t, std::string, std::vector<std::uint64_t>> v;
  template <typename T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
  Val(T x) : v(static_cast<std::uint64_t>(x)) {}          // NOLINT: implicit on purpose
  Val(std::string s) : v(std::move(s)) {}                 // NOLINT
  Val(const char* s) : v(std::string(s)) {}               // NOLINT
  Val(std::vector<std::uint64_t> x) : v(std::move(x)) {}  // NOLINT
};

/// Writes a Prof log: the header, then records given field by field.
class ProfWriter {
 public:
  explicit ProfWriter(std::vector<RecordType> types = legion_25_06_types(),
                      std::string filetype = "FileType: BinaryLegionProf v: 1.0")
      : types_(std::move(types)) {
    out_ = filetype + "\n";
    for (const RecordType& t : types_) {
      out_ += t.name + " {id:" + std::to_string(t.id);
      for (const auto& [n, ty, sz] : t.fields)
        out_ += ", " + n + ":" + ty + ":" + std::to_string(sz);
      out_ += "}\n";
    }
    out_ += "\n";
  }
  /// Values in the order of the type's fields; a point or uuid takes a vector.
  ProfWriter& record(const std::string& name, const std::vector<Val>& values) {
    const RecordType* t = nullptr;
    for (const RecordType& r : types_)
      if (r.name == name) t = &r;
    EXPECT_NE(t, nullptr) << name;
    EXPECT_EQ(values.size(), t->fields.size()) << name;
    put(static_cast<std::uint64_t>(t->id), 4);
    for (std::size_t i = 0; i < t->fields.size() && i < values.size(); ++i) {
      const auto& [n, ty, sz] = t->fields[i];
      if (const auto* s = std::get_if<std::string>(&values[i].v)) {
        out_ += *s;
        out_.push_back('\0');
      } else if (const auto* v = std::get_if<std::vector<std::uint64_t>>(&values[i].v)) {
        for (std::uint64_t x : *v)
          put(x, sz);
      } else {
        put(std::get<std::uint64_t>(values[i].v), sz);
      }
    }
    return *this;
  }
  const std::string& bytes() const { return out_; }

 private:
  void put(std::uint64_t v, int size) {
    for (int k = 0; k < size; ++k)
      out_.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
  }
  std::vector<RecordType> types_;
  std::string out_;
};

/// The prefix Realm's logger writes before each Legion Spy line.
inline std::string spy(const std::string& message) {
  return "[0 - 7f1e2c3d4000]    0.001234 {4}{legion_spy}: " + message + "\n";
}

}  // namespace mapsmith::importer::test
