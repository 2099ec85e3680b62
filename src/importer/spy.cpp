#include "importer/spy.h"

#include <fmt/format.h>

#include <charconv>
#include <string_view>
#include <unordered_map>

#include "util/error.h"

namespace mapsmith::importer {

namespace {

enum class Line : std::uint8_t {
  Header,
  DetailedHeader,
  ProcKind,
  MemKind,
  Proc,
  Mem,
  IndexSpace,
  IndexSpaceName,
  IndexPartition,
  IndexPartitionName,
  IndexSubspace,
  FieldSpace,
  FieldCreation,
  FieldName,
  Region,
  RegionName,
  PartitionName,
  SpacePoint,
  SpaceRect,
  EmptySpace,
  TaskName,
  TaskVariant,
  TopTask,
  SingleTask,
  IndexTask,
  OtherOp,
  IndexSlice,
  SliceSlice,
  SlicePoint,
  PointPoint,
  Requirement,
  RequirementField,
  RequirementProjection,
  LaunchRect,
  TaskProcessor,
  VariantDecision,
  Instance,
  MappingDecision,
  OperationIndex,
  Ignore,  ///< a kind whose first words are another kind's: matched so it is not taken for it
};

/// A kind of line Legion 25.06's legion_spy.h writes: its leading words, and how many fields
/// follow them (`min` and `max`; names and provenances, free text at the end, are not counted).
struct Kind {
  Line line;
  int min;
  int max;  ///< -1: any number (coordinates, whose count is LEGION_MAX_DIM of the build)
};

const std::unordered_map<std::string_view, Kind>& kinds() {
  static const std::unordered_map<std::string_view, Kind> k = {
      {"Legion Spy Logging", {Line::Header, 0, 0}},
      {"Legion Spy Detailed Logging", {Line::DetailedHeader, 0, 0}},
      {"Processor Kind", {Line::ProcKind, 2, -1}},
      {"Memory Kind", {Line::MemKind, 2, -1}},
      {"Processor", {Line::Proc, 2, 2}},
      {"Memory", {Line::Mem, 3, 3}},
      {"Index Space", {Line::IndexSpace, 2, -1}},
      {"Index Space Name", {Line::IndexSpaceName, 2, -1}},
      {"Index Partition", {Line::IndexPartition, 6, -1}},
      {"Index Partition Name", {Line::IndexPartitionName, 2, -1}},
      {"Index Subspace", {Line::IndexSubspace, 5, -1}},
      {"Field Space", {Line::FieldSpace, 2, -1}},
      {"Field Creation", {Line::FieldCreation, 3, -1}},
      {"Field Name", {Line::FieldName, 3, -1}},
      {"Region", {Line::Region, 4, -1}},
      {"Logical Region Name", {Line::RegionName, 4, -1}},
      {"Logical Partition Name", {Line::PartitionName, 4, -1}},
      {"Index Space Point", {Line::SpacePoint, 3, -1}},
      {"Index Space Rect", {Line::SpaceRect, 4, -1}},
      {"Empty Index Space", {Line::EmptySpace, 1, 1}},
      {"Task ID Name", {Line::TaskName, 2, -1}},
      {"Task Variant", {Line::TaskVariant, 6, -1}},
      {"Top Task", {Line::TopTask, 4, -1}},
      {"Individual Task", {Line::SingleTask, 4, -1}},
      {"Index Task", {Line::IndexTask, 4, -1}},
      {"Mapping Operation", {Line::OtherOp, 2, 2}},
      {"Fill Operation", {Line::OtherOp, 2, 2}},
      {"Discard Operation", {Line::OtherOp, 2, 2}},
      {"Close Operation", {Line::OtherOp, 3, 3}},
      {"Refinement Operation", {Line::OtherOp, 2, 2}},
      {"Reset Operation", {Line::OtherOp, 2, 2}},
      {"Fence Operation", {Line::OtherOp, 3, 3}},
      {"Copy Operation", {Line::OtherOp, 5, 5}},
      {"Acquire Operation", {Line::OtherOp, 2, 2}},
      {"Release Operation", {Line::OtherOp, 2, 2}},
      {"Creation Operation", {Line::OtherOp, 2, 2}},
      {"Deletion Operation", {Line::OtherOp, 3, 3}},
      {"Attach Operation", {Line::OtherOp, 3, 3}},
      {"Detach Operation", {Line::OtherOp, 3, 3}},
      {"Dynamic Collective", {Line::OtherOp, 2, 2}},
      {"Timing Operation", {Line::OtherOp, 2, 2}},
      {"Tunable Operation", {Line::OtherOp, 2, 2}},
      {"All Reduce Operation", {Line::OtherOp, 2, 2}},
      {"Predicate Operation", {Line::OtherOp, 2, 2}},
      {"Must Epoch Operation", {Line::OtherOp, 2, 2}},
      {"Dependent Partition Operation", {Line::OtherOp, 4, 4}},
      {"Pending Partition Operation", {Line::OtherOp, 2, 2}},
      {"Index Slice", {Line::IndexSlice, 2, 2}},
      {"Slice Slice", {Line::SliceSlice, 2, 2}},
      {"Slice Point", {Line::SlicePoint, 4, -1}},
      {"Point Point", {Line::PointPoint, 2, 2}},
      {"Logical Requirement", {Line::Requirement, 10, 10}},
      {"Logical Requirement Field", {Line::RequirementField, 3, 3}},
      {"Logical Requirement Projection", {Line::RequirementProjection, 3, 3}},
      {"Index Launch Rect", {Line::LaunchRect, 4, -1}},
      {"Task Processor", {Line::TaskProcessor, 2, 2}},
      {"Variant Decision", {Line::VariantDecision, 2, 2}},
      {"Physical Instance", {Line::Instance, 7, 7}},
      {"Mapping Decision", {Line::MappingDecision, 4, 4}},
      {"Operation Index", {Line::OperationIndex, 3, 3}},
      {"Processor Memory", {Line::Ignore, 0, -1}},
      {"Memory Memory", {Line::Ignore, 0, -1}},
      {"Index Space Expression", {Line::Ignore, 0, -1}},
      {"Index Space Union", {Line::Ignore, 0, -1}},
      {"Index Space Intersection", {Line::Ignore, 0, -1}},
      {"Index Space Difference", {Line::Ignore, 0, -1}},
      {"Field Space Name", {Line::Ignore, 0, -1}},
      {"Physical Instance Field", {Line::Ignore, 0, -1}},
      {"Physical Instance Creator", {Line::Ignore, 0, -1}},
      {"Physical Instance Creation Region", {Line::Ignore, 0, -1}},
  };
  return k;
}

constexpr std::string_view kTag = "{legion_spy}: ";

class FileParser {
 public:
  FileParser(const std::string& path, const Progress& progress, SpyLog& log,
             std::unordered_map<std::uint64_t, std::uint64_t>& slices,
             std::unordered_map<std::uint64_t, std::uint64_t>& aliases)
      : file_(path, progress), log_(log), slices_(slices), aliases_(aliases) {}

  void run() {
    std::string line;
    while (file_.read_line(line)) {
      ++log_.lines;
      if (file_.last_line_unterminated())
        throw InputError(fmt::format(
            "{}: truncated: the file ends in the middle of a line (was the run cut short?)",
            file_.where()));
      parse(line);
    }
    if (!header_)
      throw InputError(fmt::format(
          "{}: not a Legion Spy log: no \"Legion Spy Logging\" line (run the program with "
          "-lg:spy -logfile spy_%.log)",
          file_.path()));
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    throw InputError(fmt::format("{}: {}", file_.where(), what));
  }

  std::uint64_t dec(std::size_t i) {
    std::uint64_t v = 0;
    const std::string_view t = args_[i];
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v, 10);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size() || t.empty())
      fail(fmt::format("\"{}\": field {} should be a number, not \"{}\"", phrase_, i + 1, t));
    return v;
  }
  std::int64_t sdec(std::size_t i) {
    std::int64_t v = 0;
    const std::string_view t = args_[i];
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v, 10);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size() || t.empty())
      fail(fmt::format("\"{}\": field {} should be a number, not \"{}\"", phrase_, i + 1, t));
    return v;
  }
  std::uint64_t hex(std::size_t i) {
    std::uint64_t v = 0;
    const std::string_view t = args_[i];
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v, 16);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size() || t.empty())
      fail(fmt::format("\"{}\": field {} should be a hexadecimal id, not \"{}\"", phrase_, i + 1,
                       t));
    return v;
  }
  std::uint32_t u32(std::size_t i) { return static_cast<std::uint32_t>(dec(i)); }
  /// The text from field `i` to the end of the line (a name).
  std::string rest(std::size_t i) const {
    if (i >= args_.size()) return {};
    const char* at = args_[i].data();
    return std::string(at, static_cast<std::size_t>(msg_.data() + msg_.size() - at));
  }

  /// The coordinates of a line: LEGION_MAX_DIM values (`per` each: 1 for a point, 2 for a
  /// rectangle) after the first `from` fields; the count must be the same on every line.
  void coordinates(std::size_t from, int per) {
    const std::size_t n = args_.size() - from;
    if (n % static_cast<std::size_t>(per) != 0 || n == 0)
      fail(fmt::format("\"{}\": {} coordinates do not make whole {}", phrase_, n,
                       per == 1 ? "points" : "rectangles"));
    const auto dims = static_cast<int>(n / static_cast<std::size_t>(per));
    if (max_dim_ == 0) max_dim_ = dims;
    if (dims != max_dim_)
      fail(fmt::format("\"{}\": {} dimensions, where earlier lines had {} (LEGION_MAX_DIM)",
                       phrase_, dims, max_dim_));
  }
  std::vector<std::int64_t> point(std::size_t from, std::size_t dim) {
    if (dim < 1 || static_cast<int>(dim) > max_dim_)
      fail(fmt::format("\"{}\": dimension {} out of range 1..{}", phrase_, dim, max_dim_));
    std::vector<std::int64_t> p(dim);
    for (std::size_t d = 0; d < dim; ++d)
      p[d] = sdec(from + d);
    return p;
  }
  SpyRect rect(std::size_t from, std::size_t dim) {
    if (dim < 1 || static_cast<int>(dim) > max_dim_)
      fail(fmt::format("\"{}\": dimension {} out of range 1..{}", phrase_, dim, max_dim_));
    SpyRect r;
    for (std::size_t d = 0; d < dim; ++d) {
      r.lo.push_back(sdec(from + 2 * d));
      r.hi.push_back(sdec(from + 2 * d + 1));
    }
    return r;
  }

  SpyOp& op(std::uint64_t uid) {
    SpyOp& o = log_.ops[uid];
    o.uid = uid;
    return o;
  }
  SpyReq& req(std::uint64_t uid, std::uint32_t index) {
    SpyOp& o = op(uid);
    for (SpyReq& r : o.reqs)
      if (r.index == index) return r;
    o.reqs.push_back({});
    o.reqs.back().index = index;
    return o.reqs.back();
  }

  void parse(const std::string& line);
  void handle(Line kind);

  LogFile file_;
  SpyLog& log_;
  std::unordered_map<std::uint64_t, std::uint64_t>& slices_;
  std::unordered_map<std::uint64_t, std::uint64_t>& aliases_;
  std::string_view msg_;
  std::string_view phrase_;
  std::vector<std::string_view> words_;
  std::vector<std::string_view> args_;
  int max_dim_ = 0;
  bool header_ = false;
};

void FileParser::parse(const std::string& line) {
  // "[NODE - THREAD] TIME {LEVEL}{legion_spy}: MESSAGE" (the time is optional).
  if (line.empty() || line[0] != '[') return;
  const std::size_t tag = line.find(kTag);
  if (tag == std::string::npos) return;
  msg_ = std::string_view(line).substr(tag + kTag.size());
  words_.clear();
  for (std::size_t at = 0; at <= msg_.size();) {
    std::size_t sp = msg_.find(' ', at);
    if (sp == std::string_view::npos) sp = msg_.size();
    words_.push_back(msg_.substr(at, sp - at));
    at = sp + 1;
  }
  if (!words_.empty() && words_.back().empty()) words_.pop_back();  // a trailing blank
  // The longest run of leading words that names a kind of line.
  const auto& table = kinds();
  for (std::size_t n = std::min<std::size_t>(words_.size(), 5); n >= 1; --n) {
    const std::string_view p = msg_.substr(
        0, static_cast<std::size_t>(words_[n - 1].data() + words_[n - 1].size() - msg_.data()));
    const auto it = table.find(p);
    if (it == table.end()) continue;
    phrase_ = p;
    args_.assign(words_.begin() + static_cast<std::ptrdiff_t>(n), words_.end());
    const Kind k = it->second;
    const auto count = static_cast<int>(args_.size());
    if (count < k.min || (k.max >= 0 && count > k.max))
      fail(fmt::format(
          "\"{}\" with {} fields, where Legion {}'s Legion Spy writes {}{}: this log comes from "
          "another Legion version",
          phrase_, count, "25.06", k.min, k.max == k.min ? "" : " or more"));
    handle(k.line);
    return;
  }
}

void FileParser::handle(Line kind) {
  switch (kind) {
    case Line::Header:
      header_ = true;
      return;
    case Line::DetailedHeader:
      header_ = true;
      log_.detailed = true;
      return;
    case Line::ProcKind:
      log_.proc_kind_names[static_cast<int>(dec(0))] = rest(1);
      return;
    case Line::MemKind:
      log_.mem_kind_names[static_cast<int>(dec(0))] = rest(1);
      return;
    case Line::Proc:
      log_.procs.emplace_back(hex(0), static_cast<int>(dec(1)));
      return;
    case Line::Mem:
      log_.mems.push_back({hex(0), dec(1), static_cast<int>(dec(2))});
      return;
    case Line::IndexSpace:
      log_.spaces[hex(0)].id = hex(0);
      return;
    case Line::IndexSpaceName:
      log_.spaces[hex(0)].name = rest(1);
      return;
    case Line::IndexPartition: {
      SpyPartition& p = log_.partitions[hex(1)];
      p.id = hex(1);
      p.parent = hex(0);
      p.disjoint = static_cast<int>(dec(2));
      return;
    }
    case Line::IndexPartitionName:
      log_.partitions[hex(0)].name = rest(1);
      return;
    case Line::IndexSubspace: {
      coordinates(4, 1);
      SpyIndexSpace& s = log_.spaces[hex(1)];
      s.id = hex(1);
      s.partition = hex(0);
      s.color = point(4, dec(3));
      return;
    }
    case Line::FieldSpace:
      log_.field_spaces[u32(0)];
      return;
    case Line::FieldCreation: {
      auto& fs = log_.field_spaces[u32(0)];
      const std::uint32_t fid = u32(1);
      for (SpyField& f : fs)
        if (f.id == fid) {
          f.size = dec(2);
          return;
        }
      fs.push_back({fid, dec(2), {}});
      return;
    }
    case Line::FieldName: {
      auto& fs = log_.field_spaces[u32(0)];
      const std::uint32_t fid = u32(1);
      for (SpyField& f : fs)
        if (f.id == fid) {
          f.name = rest(2);
          return;
        }
      fs.push_back({fid, 0, rest(2)});
      return;
    }
    case Line::Region:
      log_.trees[u32(2)] = {hex(0), u32(1)};
      return;
    case Line::RegionName:
      log_.region_names[{hex(0), u32(1), u32(2)}] = rest(3);
      return;
    case Line::PartitionName:
      log_.partition_names[{hex(0), u32(1), u32(2)}] = rest(3);
      return;
    case Line::SpacePoint: {
      coordinates(2, 1);
      std::vector<std::int64_t> p = point(2, dec(1));
      log_.spaces[hex(0)].rects.push_back({p, p});
      return;
    }
    case Line::SpaceRect: {
      coordinates(2, 2);
      log_.spaces[hex(0)].rects.push_back(rect(2, dec(1)));
      return;
    }
    case Line::EmptySpace:
      log_.spaces[hex(0)].empty = true;
      return;
    case Line::TaskName:
      log_.task_names[u32(0)] = rest(1);
      return;
    case Line::TaskVariant:
      log_.variant_inner[{u32(0), u32(1)}] = dec(2) != 0;
      return;
    case Line::TopTask: {
      SpyOp& o = op(dec(2));
      o.kind = SpyOpKind::Top;  // also when its "Individual Task" line came first
      o.task_id = u32(0);
      o.context = dec(1);
      log_.top = o.uid;
      return;
    }
    case Line::SingleTask:
    case Line::IndexTask: {
      SpyOp& o = op(dec(2));
      // Legion logs the top-level task twice: "Top Task" and "Individual Task" in the
      // implicit context it runs in. It stays the top-level task.
      if (o.kind == SpyOpKind::Top) return;
      o.kind = kind == Line::SingleTask ? SpyOpKind::Single : SpyOpKind::Index;
      o.context = dec(0);
      o.task_id = u32(1);
      return;
    }
    case Line::OtherOp: {
      SpyOp& o = op(dec(1));
      if (o.kind == SpyOpKind::Other) {
        o.context = dec(0);
        o.other = std::string(phrase_);
      }
      ++log_.other_ops[std::string(phrase_)];
      return;
    }
    case Line::IndexSlice:
      slices_[dec(1)] = dec(0);
      return;
    case Line::SliceSlice:
      slices_[dec(1)] = dec(0);
      return;
    case Line::SlicePoint: {
      coordinates(3, 1);
      SpyOp& o = op(dec(1));
      o.kind = SpyOpKind::Point;
      o.launch = dec(0);  // a slice for now: resolved to its launch at the end
      o.point = point(3, dec(2));
      return;
    }
    case Line::PointPoint:
      aliases_[dec(1)] = dec(0);
      return;
    case Line::Requirement: {
      SpyReq& r = req(dec(0), u32(1));
      r.region = dec(2) != 0;
      r.handle = hex(3);
      r.fspace = u32(4);
      r.tree = u32(5);
      r.privilege = u32(6);
      r.coherence = u32(7);
      r.redop = u32(8);
      return;
    }
    case Line::RequirementField:
      req(dec(0), u32(1)).fields.push_back(u32(2));
      return;
    case Line::RequirementProjection:
      req(dec(0), u32(1)).projection = u32(2);
      return;
    case Line::LaunchRect: {
      coordinates(2, 2);
      op(dec(0)).domain = rect(2, dec(1));
      return;
    }
    case Line::TaskProcessor:
      op(dec(0)).proc = hex(1);
      return;
    case Line::VariantDecision:
      op(dec(0)).variant = u32(1);
      return;
    case Line::Instance:
      log_.instances[hex(0)] = {hex(2), u32(3)};
      return;
    case Line::MappingDecision: {
      SpyOp& o = op(dec(0));
      const std::uint32_t index = u32(1);
      for (const auto& d : o.decisions)
        if (d.first == index) return;
      o.decisions.emplace_back(index, hex(3));
      return;
    }
    case Line::OperationIndex:
      op(dec(2)).order = dec(1);
      return;
    case Line::Ignore:
      return;
  }
}

}  // namespace

SpyLog read_spy(const std::vector<std::string>& files, const Progress& progress) {
  if (files.empty()) throw InputError("no Legion Spy log given");
  SpyLog log;
  log.files = files;
  std::unordered_map<std::uint64_t, std::uint64_t> slices, aliases;
  for (const std::string& path : files)
    FileParser(path, progress, log, slices, aliases).run();
  // A point names its slice; slices nest (Slice Slice); the outermost is the launch's.
  for (auto& [uid, o] : log.ops) {
    if (o.kind != SpyOpKind::Point) continue;
    std::uint64_t at = o.launch;
    for (int hops = 0; hops < 64; ++hops) {
      const auto it = slices.find(at);
      if (it == slices.end()) break;
      at = it->second;
    }
    o.launch = at;
  }
  // A point task moved to another process logs its requirements and processor under a second
  // uid ("Point Point ORIGINAL COPY"): give them to the original.
  for (const auto& [copy, original] : aliases) {
    const auto c = log.ops.find(copy);
    const auto o = log.ops.find(original);
    if (c == log.ops.end() || o == log.ops.end() || c == o) continue;
    if (!o->second.proc) o->second.proc = c->second.proc;
    if (o->second.reqs.empty()) o->second.reqs = c->second.reqs;
    if (o->second.decisions.empty()) o->second.decisions = c->second.decisions;
  }
  return log;
}

}  // namespace mapsmith::importer
