#include "importer/prof.h"

#include <fmt/format.h>

#include <cstring>
#include <regex>
#include <unordered_map>

#include "util/error.h"

namespace mapsmith::importer {

namespace {

constexpr std::string_view kFileType = "FileType: BinaryLegionProf v: ";
constexpr const char* kKnownHeader = "1.0";

/// How a field's bytes are read: the header's type names the few that are not fixed-size
/// integers (Legion's legion_serializer.py and legion_prof_rs read them the same way).
enum class Decode : std::uint8_t {
  Unsigned,  ///< `size` bytes, little-endian
  Signed,    ///< the same, sign-extended
  String,    ///< NUL-terminated
  Point,     ///< max_dim values of `size` bytes
  Array,     ///< 2 * max_dim values of `size` bytes
  Uuid,      ///< as many `size`-byte values as the record's last uuid_size field says
  UuidSize,  ///< an unsigned count for the next uuid field
  MaxDim,    ///< a signed count that sets max_dim for later records
  Skip,      ///< another fixed-size type: `size` bytes, not interpreted
};

struct FieldDecode {
  Decode decode = Decode::Skip;
  int size = 0;
};

struct Format {
  ProfRecordFormat format;
  std::vector<FieldDecode> decode;
};

bool is_signed(const std::string& type) {
  return type == "long long" || type == "int" || type == "ProcKind" || type == "MemKind" ||
         type == "MappingCallKind" || type == "RuntimeCallKind" || type == "DepPartOpKind" ||
         type == "MessageKind";
}

bool is_integer(const std::string& type) {
  static const char* const kNames[] = {"ProcID",
                                       "MemID",
                                       "InstID",
                                       "UniqueID",
                                       "IDType",
                                       "TaskID",
                                       "bool",
                                       "VariantID",
                                       "MapperID",
                                       "unsigned",
                                       "timestamp_t",
                                       "unsigned long long",
                                       "BacktraceID",
                                       "MappingCallKind",
                                       "RuntimeCallKind",
                                       "DepPartOpKind",
                                       "ProcKind",
                                       "MemKind",
                                       "long long",
                                       "int",
                                       "MessageKind"};
  for (const char* n : kNames)
    if (type == n) return true;
  return false;
}

/// "Name {id:N, field:type:size, ...}", as legion_profiling_serializer.cc writes it.
Format parse_format_line(const std::string& line, const std::string& where) {
  static const std::regex kLine(R"(^(\w+) \{id:(\d+)((?:, [^:,{}]+:[^:,{}]+:-?\d+)*)\}$)");
  static const std::regex kField(R"(, ([^:,{}]+):([^:,{}]+):(-?\d+))");
  std::smatch m;
  if (!std::regex_match(line, m, kLine))
    throw InputError(fmt::format(
        "{}: not a record format of the header: \"{}\" (expected NAME {{id:N, field:type:size, "
        "...}})",
        where, line.size() > 80 ? line.substr(0, 80) + "..." : line));
  Format f;
  f.format.name = m[1];
  f.format.id = static_cast<std::int32_t>(std::stol(m[2]));
  const std::string fields = m[3];
  for (auto it = std::sregex_iterator(fields.begin(), fields.end(), kField);
       it != std::sregex_iterator(); ++it) {
    ProfField pf{(*it)[1], (*it)[2], std::stoi((*it)[3])};
    FieldDecode d;
    d.size = pf.size;
    if (pf.type == "string") {
      d.decode = Decode::String;
    } else if (pf.size <= 0 || pf.size > 8) {
      if (pf.size <= 0)
        throw InputError(fmt::format(
            "{}: field {} of {} has type \"{}\" of size {}: this reader cannot skip it (a log "
            "from another Legion version?)",
            where, pf.name, f.format.name, pf.type, pf.size));
      d.decode = Decode::Skip;
    } else if (pf.type == "point") {
      d.decode = Decode::Point;
    } else if (pf.type == "array") {
      d.decode = Decode::Array;
    } else if (pf.type == "uuid") {
      d.decode = Decode::Uuid;
    } else if (pf.type == "uuid_size") {
      d.decode = Decode::UuidSize;
    } else if (pf.type == "maxdim") {
      d.decode = Decode::MaxDim;
    } else if (is_integer(pf.type)) {
      d.decode = is_signed(pf.type) ? Decode::Signed : Decode::Unsigned;
    } else {
      d.decode = Decode::Skip;  // a fixed-size type we do not interpret: its size says how far
    }
    f.format.fields.push_back(std::move(pf));
    f.decode.push_back(d);
  }
  return f;
}

/// The records this reader uses, and the fields it needs of each.
enum class Kind : std::uint8_t {
  Other,
  MachineDesc,
  ProcDesc,
  MemDesc,
  ProcMDesc,
  TaskKind,
  TaskVariant,
  TaskInfo,
  ImplicitTaskInfo,
  GpuTaskInfo,
  CopyInfo,
  CopyInstInfo,
  FillInfo,
  FillInstInfo,
  InstTimelineInfo,
};

struct Use {
  const char* record;
  Kind kind;
  bool required;  // Legion 25.06 always declares it
  std::vector<const char*> fields;
};

const std::vector<Use>& uses() {
  static const std::vector<Use> kUses = {
      {"MachineDesc", Kind::MachineDesc, true, {"node_id", "num_nodes", "version"}},
      {"ProcDesc", Kind::ProcDesc, true, {"proc_id", "kind"}},
      {"MemDesc", Kind::MemDesc, true, {"mem_id", "kind", "capacity"}},
      {"ProcMDesc", Kind::ProcMDesc, true, {"proc_id", "mem_id", "bandwidth", "latency"}},
      {"TaskKind", Kind::TaskKind, true, {"task_id", "name"}},
      {"TaskVariant", Kind::TaskVariant, true, {"task_id", "variant_id", "name"}},
      {"TaskInfo",
       Kind::TaskInfo,
       true,
       {"op_id", "task_id", "variant_id", "proc_id", "create", "ready", "start", "stop"}},
      {"ImplicitTaskInfo",
       Kind::ImplicitTaskInfo,
       false,
       {"op_id", "task_id", "variant_id", "proc_id", "create", "ready", "start", "stop"}},
      {"GPUTaskInfo",
       Kind::GpuTaskInfo,
       false,
       {"op_id", "task_id", "variant_id", "proc_id", "create", "ready", "start", "stop",
        "gpu_stop"}},
      {"CopyInfo",
       Kind::CopyInfo,
       true,
       {"op_id", "size", "create", "ready", "start", "stop", "fevent"}},
      {"CopyInstInfo", Kind::CopyInstInfo, true, {"src", "dst", "fevent", "indirect"}},
      {"FillInfo",
       Kind::FillInfo,
       true,
       {"op_id", "size", "create", "ready", "start", "stop", "fevent"}},
      {"FillInstInfo", Kind::FillInstInfo, true, {"dst", "fevent"}},
      {"InstTimelineInfo", Kind::InstTimelineInfo, true, {"inst_uid", "mem_id", "size", "op_id"}},
  };
  return kUses;
}

struct Value {
  std::uint64_t u = 0;
  std::string s;
};

/// A record type of one file's header, ready to decode.
struct Decoder {
  Format format;
  Kind kind = Kind::Other;
  std::vector<int> at;  ///< for each field the use names, its index in the record
};

/// A copy's or fill's instance record, joined to its CopyInfo / FillInfo by `fevent`.
struct InstRef {
  std::uint64_t fevent = 0;
  std::uint64_t src = 0;
  std::uint64_t dst = 0;
  bool indirect = false;
};

std::vector<Format> read_formats(LogFile& file, std::string& version);

class FileReader {
 public:
  FileReader(const std::string& path, const Progress& progress, ProfLog& log,
             std::vector<InstRef>& copy_insts, std::vector<InstRef>& fill_insts)
      : file_(path, progress), log_(log), copy_insts_(copy_insts), fill_insts_(fill_insts) {}

  void run() {
    std::string version;
    const std::vector<Format> formats = read_formats(file_, version);
    log_.header_version = version;
    set_decoders(formats);
    read_records();
    if (!machine_seen_)
      throw InputError(
          fmt::format("{}: no MachineDesc record: the log is incomplete (was the run cut short?)",
                      file_.path()));
  }

 private:
  [[noreturn]] void fail_record(const Decoder& d, std::uint64_t at, const std::string& what) {
    throw InputError(
        fmt::format("{}: byte {}: {} record: {}", file_.path(), at, d.format.format.name, what));
  }
  void set_decoders(const std::vector<Format>& formats);
  void read_records();
  void handle(const Decoder& d, std::uint64_t at);

  LogFile file_;
  ProfLog& log_;
  std::vector<InstRef>& copy_insts_;
  std::vector<InstRef>& fill_insts_;
  std::unordered_map<std::int32_t, Decoder> decoders_;
  std::vector<Value> values_;
  std::int64_t max_dim_ = -1;
  bool machine_seen_ = false;
};

void FileReader::set_decoders(const std::vector<Format>& formats) {
  for (const Format& f : formats) {
    Decoder d;
    d.format = f;
    for (const Use& u : uses()) {
      if (f.format.name != u.record) continue;
      d.kind = u.kind;
      for (const char* name : u.fields) {
        int idx = -1;
        for (std::size_t i = 0; i < f.format.fields.size(); ++i)
          if (f.format.fields[i].name == name) idx = static_cast<int>(i);
        if (idx < 0)
          throw InputError(fmt::format(
              "{}: header: record {} has no field \"{}\", which Legion {} writes: this log "
              "comes from another Legion version",
              file_.path(), f.format.name, name, kLegionVersion));
        d.at.push_back(idx);
      }
    }
    decoders_[f.format.id] = std::move(d);
  }
  for (const Use& u : uses()) {
    if (!u.required) continue;
    bool found = false;
    for (const Format& f : formats)
      found = found || f.format.name == u.record;
    if (!found)
      throw InputError(fmt::format(
          "{}: header: no record type {}, which Legion {} declares: this log comes from "
          "another Legion version",
          file_.path(), u.record, kLegionVersion));
  }
}

std::vector<Format> read_formats(LogFile& file, std::string& version) {
  std::string line;
  if (!file.read_line(line) || line.rfind(kFileType, 0) != 0)
    throw InputError(fmt::format(
        "{}:1: not a Legion Prof binary log (it should start with \"{}1.0\"; run the program "
        "with -lg:prof 1 -lg:prof_logfile prof_%.gz)",
        file.path(), kFileType));
  version = line.substr(kFileType.size());
  if (version != kKnownHeader)
    throw InputError(fmt::format(
        "{}:1: Legion Prof binary format {}, but this reader knows format {} (Legion {}): the "
        "log comes from another Legion version",
        file.path(), version, kKnownHeader, kLegionVersion));
  std::vector<Format> formats;
  for (;;) {
    if (!file.read_line(line))
      throw InputError(fmt::format(
          "{}:{}: truncated: the file ends inside its header (no empty line after the record "
          "formats)",
          file.path(), file.line_number() + 1));
    if (line.empty()) break;
    formats.push_back(parse_format_line(line, file.where()));
    for (std::size_t i = 0; i + 1 < formats.size(); ++i)
      if (formats[i].format.id == formats.back().format.id)
        throw InputError(fmt::format("{}: record id {} declared twice ({} and {})", file.where(),
                                     formats.back().format.id, formats[i].format.name,
                                     formats.back().format.name));
  }
  return formats;
}

void FileReader::read_records() {
  for (;;) {
    const std::uint64_t at = file_.offset();
    std::int32_t id = 0;
    const std::size_t got = file_.read(&id, sizeof id);
    if (got == 0) return;
    if (got < sizeof id)
      throw InputError(fmt::format("{}: byte {}: truncated: the file ends inside a record id",
                                   file_.path(), at));
    const auto it = decoders_.find(id);
    if (it == decoders_.end())
      throw InputError(
          fmt::format("{}: byte {}: record id {} is not in the header: the file is corrupt",
                      file_.path(), at, id));
    const Decoder& d = it->second;
    values_.resize(d.format.decode.size());
    std::uint64_t uuid_count = 0;
    for (std::size_t i = 0; i < d.format.decode.size(); ++i) {
      const FieldDecode fd = d.format.decode[i];
      Value& v = values_[i];
      v.u = 0;
      const auto cut = [&] {
        fail_record(d, at,
                    fmt::format("truncated: the file ends inside field {}",
                                d.format.format.fields[i].name));
      };
      switch (fd.decode) {
        case Decode::String:
          if (!file_.read_cstring(v.s)) cut();
          break;
        case Decode::Unsigned:
        case Decode::Signed:
        case Decode::UuidSize:
        case Decode::MaxDim: {
          unsigned char b[8] = {};
          if (file_.read(b, static_cast<std::size_t>(fd.size)) != static_cast<std::size_t>(fd.size))
            cut();
          for (int k = fd.size - 1; k >= 0; --k)
            v.u = (v.u << 8) | b[k];
          if ((fd.decode == Decode::Signed || fd.decode == Decode::MaxDim) && fd.size < 8 &&
              (b[fd.size - 1] & 0x80))
            v.u |= ~std::uint64_t{0} << (8 * fd.size);
          if (fd.decode == Decode::UuidSize) uuid_count = v.u;
          if (fd.decode == Decode::MaxDim) {
            max_dim_ = static_cast<std::int64_t>(v.u);
            if (max_dim_ < 1 || max_dim_ > 9)
              fail_record(d, at, fmt::format("max_dim {} is not between 1 and 9", max_dim_));
          }
          break;
        }
        case Decode::Point:
        case Decode::Array:
        case Decode::Uuid:
        case Decode::Skip: {
          std::uint64_t count = 1;
          if (fd.decode == Decode::Point || fd.decode == Decode::Array) {
            if (max_dim_ < 0)
              fail_record(d, at, "a point before any MaxDimDesc record: the file is corrupt");
            count = static_cast<std::uint64_t>(max_dim_) * (fd.decode == Decode::Array ? 2 : 1);
          }
          if (fd.decode == Decode::Uuid) {
            if (uuid_count > 4096)
              fail_record(d, at,
                          fmt::format("a uuid of {} bytes: the file is corrupt", uuid_count));
            count = uuid_count;
          }
          char skip[64];
          for (std::uint64_t k = 0; k < count; ++k)
            if (file_.read(skip, static_cast<std::size_t>(fd.size)) !=
                static_cast<std::size_t>(fd.size))
              cut();
          break;
        }
      }
    }
    ++log_.record_counts[d.format.format.name];
    if (d.kind != Kind::Other) handle(d, at);
  }
}

void FileReader::handle(const Decoder& d, std::uint64_t at) {
  const auto u = [&](std::size_t k) { return values_[static_cast<std::size_t>(d.at[k])].u; };
  const auto s = [&](std::size_t k) -> const std::string& {
    return values_[static_cast<std::size_t>(d.at[k])].s;
  };
  switch (d.kind) {
    case Kind::Other:
      return;
    case Kind::MachineDesc: {
      const auto version = static_cast<std::uint32_t>(u(2));
      if (version != kProfVersion)
        fail_record(d, at,
                    fmt::format("Legion Prof version {}, but this reader reads version {} "
                                "(Legion {}): the log comes from another Legion version",
                                version, kProfVersion, kLegionVersion));
      log_.version = version;
      log_.nodes = std::max(log_.nodes, static_cast<std::uint32_t>(u(1)));
      ProfProcess p;
      p.file = file_.path();
      p.node = static_cast<std::uint32_t>(u(0));
      for (std::size_t i = 0; i < d.format.format.fields.size(); ++i) {
        const std::string& n = d.format.format.fields[i].name;
        if (n == "hostname") p.hostname = values_[i].s;
        if (n == "host_id") p.host_id = values_[i].u;
        if (n == "process_id") p.pid = static_cast<std::uint32_t>(values_[i].u);
      }
      log_.processes.push_back(std::move(p));
      machine_seen_ = true;
      return;
    }
    case Kind::ProcDesc:
      log_.procs.push_back({u(0), static_cast<int>(u(1))});
      return;
    case Kind::MemDesc:
      log_.mems.push_back({u(0), static_cast<int>(u(1)), u(2)});
      return;
    case Kind::ProcMDesc:
      log_.affinities.push_back(
          {u(0), u(1), static_cast<std::uint32_t>(u(2)), static_cast<std::uint32_t>(u(3))});
      return;
    case Kind::TaskKind:
      log_.task_names[static_cast<std::uint32_t>(u(0))] = s(1);
      return;
    case Kind::TaskVariant:
      log_.variant_names[{static_cast<std::uint32_t>(u(0)), static_cast<std::uint32_t>(u(1))}] =
          s(2);
      return;
    case Kind::TaskInfo:
    case Kind::ImplicitTaskInfo:
    case Kind::GpuTaskInfo: {
      ProfTask t;
      t.op_id = u(0);
      t.task_id = static_cast<std::uint32_t>(u(1));
      t.variant_id = static_cast<std::uint32_t>(u(2));
      t.proc = u(3);
      t.create = u(4);
      t.ready = u(5);
      t.start = u(6);
      t.stop = d.kind == Kind::GpuTaskInfo ? std::max(u(7), u(8)) : u(7);
      t.implicit = d.kind == Kind::ImplicitTaskInfo;
      if (t.stop < t.start)
        fail_record(d, at,
                    fmt::format("stop {} before start {}: the file is corrupt", t.stop, t.start));
      log_.tasks.push_back(t);
      return;
    }
    case Kind::CopyInfo:
    case Kind::FillInfo: {
      ProfCopy c;
      c.op_id = u(0);
      c.size = u(1);
      c.create = u(2);
      c.ready = u(3);
      c.start = u(4);
      c.stop = u(5);
      c.fevent = u(6);
      (d.kind == Kind::CopyInfo ? log_.copies : log_.fills).push_back(c);
      return;
    }
    case Kind::CopyInstInfo:
      copy_insts_.push_back({u(2), u(0), u(1), u(3) != 0});
      return;
    case Kind::FillInstInfo:
      fill_insts_.push_back({u(1), 0, u(0), false});
      return;
    case Kind::InstTimelineInfo:
      log_.instances.push_back({u(0), u(1), u(2), u(3)});
      return;
  }
}

}  // namespace

std::vector<ProfRecordFormat> read_prof_header(LogFile& file, std::string& version) {
  std::vector<ProfRecordFormat> out;
  for (Format& f : read_formats(file, version))
    out.push_back(std::move(f.format));
  return out;
}

namespace {

/// Gives each copy (fill) the memories of its first instance record and counts the fields.
void join(std::vector<ProfCopy>& copies, std::vector<InstRef>& refs) {
  std::unordered_map<std::uint64_t, std::size_t> by_event;
  by_event.reserve(copies.size());
  for (std::size_t i = 0; i < copies.size(); ++i)
    by_event.emplace(copies[i].fevent, i);
  for (const InstRef& r : refs) {
    const auto it = by_event.find(r.fevent);
    if (it == by_event.end()) continue;
    ProfCopy& c = copies[it->second];
    if (c.fields++ == 0) {
      c.src_mem = r.src;
      c.dst_mem = r.dst;
    }
    c.indirect = c.indirect || r.indirect;
  }
  refs.clear();
  refs.shrink_to_fit();
}

}  // namespace

ProfLog read_prof(const std::vector<std::string>& files, const Progress& progress) {
  if (files.empty()) throw InputError("no Legion Prof log given");
  ProfLog log;
  std::vector<InstRef> copy_insts, fill_insts;
  for (const std::string& path : files) {
    FileReader r(path, progress, log, copy_insts, fill_insts);
    r.run();
  }
  join(log.copies, copy_insts);
  join(log.fills, fill_insts);
  return log;
}

}  // namespace mapsmith::importer
