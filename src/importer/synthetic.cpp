#include "importer/synthetic.h"

#include <fmt/format.h>

#include <vector>

namespace mapsmith::importer::synthetic {

namespace {

constexpr std::uint64_t kProc = 0x1d00000000000000ULL;
constexpr std::uint64_t kMem = 0x1e00000000000000ULL;

/// The Prof log: the header of the record types used, then records.
class Prof {
 public:
  explicit Prof(const std::function<void(const std::string&)>& out) : out_(out) {
    std::string h = "FileType: BinaryLegionProf v: 1.0\n";
    h += "ProcDesc {id:6, proc_id:ProcID:8, kind:ProcKind:4, uuid_size:uuid_size:4, "
         "cuda_device_uuid:uuid:1}\n";
    h += "MemDesc {id:7, mem_id:MemID:8, kind:MemKind:4, capacity:unsigned long long:8}\n";
    h += "MaxDimDesc {id:8, max_dim:maxdim:4}\n";
    h += "MachineDesc {id:10, node_id:unsigned:4, num_nodes:unsigned:4, version:unsigned:4, "
         "hostname:string:-1, host_id:unsigned long long:8, process_id:unsigned:4}\n";
    h += "TaskKind {id:11, task_id:TaskID:4, name:string:-1, overwrite:bool:1}\n";
    h += "TaskVariant {id:12, task_id:TaskID:4, variant_id:VariantID:4, name:string:-1}\n";
    h += "TaskInfo {id:18, op_id:UniqueID:8, task_id:TaskID:4, variant_id:VariantID:4, "
         "proc_id:ProcID:8, create:timestamp_t:8, ready:timestamp_t:8, start:timestamp_t:8, "
         "stop:timestamp_t:8, creator:unsigned long long:8, critical:unsigned long long:8, "
         "fevent:unsigned long long:8}\n";
    h += "MetaInfo {id:19, op_id:UniqueID:8, lg_id:unsigned:4, proc_id:ProcID:8, "
         "create:timestamp_t:8, ready:timestamp_t:8, start:timestamp_t:8, stop:timestamp_t:8, "
         "creator:unsigned long long:8, critical:unsigned long long:8, fevent:unsigned long "
         "long:8}\n";
    h += "CopyInfo {id:20, op_id:UniqueID:8, size:unsigned long long:8, create:timestamp_t:8, "
         "ready:timestamp_t:8, start:timestamp_t:8, stop:timestamp_t:8, creator:unsigned long "
         "long:8, critical:unsigned long long:8, fevent:unsigned long long:8, "
         "collective:unsigned:4}\n";
    h += "FillInfo {id:21, op_id:UniqueID:8, size:unsigned long long:8, create:timestamp_t:8, "
         "ready:timestamp_t:8, start:timestamp_t:8, stop:timestamp_t:8, creator:unsigned long "
         "long:8, critical:unsigned long long:8, fevent:unsigned long long:8}\n";
    h += "InstTimelineInfo {id:22, inst_uid:unsigned long long:8, inst_id:InstID:8, "
         "mem_id:MemID:8, size:unsigned long long:8, op_id:UniqueID:8, create:timestamp_t:8, "
         "ready:timestamp_t:8, destroy:timestamp_t:8, creator:unsigned long long:8}\n";
    h += "ProcMDesc {id:30, proc_id:ProcID:8, mem_id:MemID:8, bandwidth:unsigned:4, "
         "latency:unsigned:4}\n";
    h += "CopyInstInfo {id:48, src:MemID:8, dst:MemID:8, src_fid:unsigned:4, "
         "dst_fid:unsigned:4, src_inst:unsigned long long:8, dst_inst:unsigned long long:8, "
         "fevent:unsigned long long:8, num_hops:unsigned:4, indirect:bool:1}\n";
    h += "FillInstInfo {id:49, dst:MemID:8, fid:unsigned:4, dst_inst:unsigned long long:8, "
         "fevent:unsigned long long:8}\n";
    h += "\n";
    out_(h);
  }
  Prof& id(int id) {
    put(static_cast<std::uint64_t>(id), 4);
    return *this;
  }
  Prof& put(std::uint64_t v, int size) {
    for (int k = 0; k < size; ++k)
      buf_.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
    return *this;
  }
  Prof& str(const std::string& s) {
    buf_ += s;
    buf_.push_back('\0');
    return *this;
  }
  void flush(bool force = false) {
    if (force || buf_.size() > (1u << 16)) {
      out_(buf_);
      buf_.clear();
    }
  }

 private:
  const std::function<void(const std::string&)>& out_;
  std::string buf_;
};

}  // namespace

void write_run(const Params& p, const std::function<void(const std::string&)>& spy_out,
               const std::function<void(const std::string&)>& prof_out) {
  std::string buf;
  const auto spy = [&](const std::string& msg) {
    buf += "[0 - 7f3a5c1d2700]    0.000100 {4}{legion_spy}: ";
    buf += msg;
    buf += '\n';
    if (buf.size() > (1u << 16)) {
      spy_out(buf);
      buf.clear();
    }
  };
  Prof prof(prof_out);
  const std::uint64_t util = kProc + 1 + p.proc_shift;
  const auto cpu = [&](std::int64_t i) {
    return kProc + 2 + p.proc_shift + static_cast<std::uint64_t>(i % p.cpus);
  };
  const std::uint64_t sysmem = kMem + 1;

  // The machine.
  spy("Legion Spy Logging");
  spy("Processor Kind 3 Utility");
  spy(fmt::format("Processor {:x} 3", util));
  spy("Processor Kind 2 CPU");
  for (int c = 0; c < p.cpus; ++c)
    spy(fmt::format("Processor {:x} 2", cpu(c)));
  spy("Memory Kind 2 System");
  spy(fmt::format("Memory {:x} 536870912 2", sysmem));
  for (int c = 0; c < p.cpus; ++c)
    spy(fmt::format("Processor Memory {:x} {:x} 100 5", cpu(c), sysmem));
  prof.id(8).put(3, 4);
  prof.id(10).put(0, 4).put(1, 4).put(p.prof_version, 4).str("synthetic-host").put(1, 8).put(99, 4);
  prof.id(6).put(util, 8).put(3, 4).put(0, 4);
  for (int c = 0; c < p.cpus; ++c)
    prof.id(6).put(cpu(c), 8).put(2, 4).put(0, 4);
  prof.id(7).put(sysmem, 8).put(2, 4).put(536870912, 8);
  for (int c = 0; c < p.cpus; ++c)
    prof.id(30).put(cpu(c), 8).put(sysmem, 8).put(100, 4).put(5, 4);

  // Tasks.
  const char* names[] = {"", "top_level", "init", "stencil", "update", "check"};
  for (int t = 1; t <= 5; ++t) {
    spy(fmt::format("Task ID Name {} {}", t, names[t]));
    spy(fmt::format("Task Variant {} 1 {} {} 0 {}", t, t == 1 ? 0 : 0, t == 1 ? 0 : 1, names[t]));
    prof.id(11).put(static_cast<std::uint64_t>(t), 4).str(names[t]).put(0, 1);
    prof.id(12).put(static_cast<std::uint64_t>(t), 4).put(1, 4).str(names[t]);
  }

  // The region tree: index space 1 (the grid), field space 1 (u = 100, v = 101), tree 1;
  // partition 2 (blocks, disjoint) and 3 (halo, aliased); pieces are index spaces 0x10 + i
  // (blocks) and 0x100 + i (halo).
  const std::int64_t n = p.cells, P = p.pieces;
  spy("Index Space 1 0 synthetic.cc:10");
  spy(fmt::format("Index Space Rect 1 1 0 {} 0 0 0 0", n - 1));
  spy("Field Space 1 0 synthetic.cc:11");
  spy("Field Creation 1 100 8 synthetic.cc:12");
  spy("Field Name 1 100 u");
  spy("Field Creation 1 101 8 synthetic.cc:13");
  spy("Field Name 1 101 v");
  spy("Region 1 1 1 0 synthetic.cc:14");
  spy("Logical Region Name 1 1 1 grid");
  spy("Index Partition 1 2 2 2 0 0 synthetic.cc:15");
  spy("Index Partition 1 3 1 2 1 0 synthetic.cc:16");
  spy("Logical Partition Name 2 1 1 blocks");
  spy("Logical Partition Name 3 1 1 halo");
  for (std::int64_t i = 0; i < P; ++i) {
    const std::int64_t lo = i * n / P, hi = (i + 1) * n / P - 1;
    spy(fmt::format("Index Subspace 2 {:x} 0 1 {} 0 0", 0x10 + i, i));
    spy(fmt::format("Index Space Rect {:x} 1 {} {} 0 0 0 0", 0x10 + i, lo, hi));
    spy(fmt::format("Index Subspace 3 {:x} 0 1 {} 0 0", 0x100 + i, i));
    spy(fmt::format("Index Space Rect {:x} 1 {} {} 0 0 0 0", 0x100 + i,
                    std::max<std::int64_t>(0, lo - 1), std::min(n - 1, hi + 1)));
  }

  std::uint64_t uid = 1;
  const std::uint64_t top = uid++;
  spy(fmt::format("Top Task 1 0 {} top_level", top));
  spy(fmt::format("Task Processor {} {:x}", top, cpu(0)));
  std::vector<std::uint64_t> clock(static_cast<std::size_t>(p.cpus), 1000);
  const std::uint64_t top_start = 500;
  std::uint64_t event = 0x8000000000000001ULL;
  std::uint64_t order = 0;

  // One launch: its requirements (partition, privilege, fields) and its points.
  struct Req {
    std::uint64_t partition;  // 0: the whole region
    std::uint32_t privilege;
    std::vector<int> fields;
  };
  const auto launch = [&](int task, bool index, const std::vector<Req>& reqs, std::uint64_t ns) {
    const std::uint64_t op = uid++;
    spy(fmt::format("{} {} {} {} {}", index ? "Index Task" : "Individual Task", top, task, op,
                    names[task]));
    spy(fmt::format("Operation Index {} {} {}", top, order++, op));
    for (std::size_t r = 0; r < reqs.size(); ++r) {
      const Req& q = reqs[r];
      spy(fmt::format("Logical Requirement {} {} {} {:x} 1 1 {} 0 0 1", op, r, q.partition ? 0 : 1,
                      q.partition ? q.partition : 1, q.privilege));
      for (int f : q.fields)
        spy(fmt::format("Logical Requirement Field {} {} {}", op, r, f));
      if (index && q.partition) spy(fmt::format("Logical Requirement Projection {} {} 0", op, r));
    }
    std::vector<std::uint64_t> points;
    if (index) {
      spy(fmt::format("Index Launch Rect {} 1 0 {} 0 0 0 0", op, P - 1));
      const std::uint64_t slice = uid++;
      spy(fmt::format("Index Slice {} {}", op, slice));
      for (std::int64_t i = 0; i < P; ++i) {
        const std::uint64_t pt = uid++;
        spy(fmt::format("Slice Point {} {} 1 {} 0 0", slice, pt, i));
        for (std::size_t r = 0; r < reqs.size(); ++r) {
          const Req& q = reqs[r];
          const std::int64_t h = p.halo_map == 0 ? i : p.halo_map == 1 ? P - 1 - i : (i * i) % P;
          const std::uint64_t space = q.partition == 2   ? 0x10 + i
                                      : q.partition == 3 ? 0x100 + h
                                                         : 1;
          spy(fmt::format("Logical Requirement {} {} 1 {:x} 1 1 {} 0 0 1", pt, r, space,
                          q.privilege));
          for (int f : q.fields)
            spy(fmt::format("Logical Requirement Field {} {} {}", pt, r, f));
        }
        points.push_back(pt);
      }
    } else {
      points.push_back(op);
    }
    for (std::size_t k = 0; k < points.size(); ++k) {
      const std::uint64_t pt = points[k];
      const std::uint64_t proc =
          index ? cpu(static_cast<std::int64_t>(k) + p.placement_shift) : cpu(0);
      spy(fmt::format("Task Processor {} {:x}", pt, proc));
      spy(fmt::format("Variant Decision {} 1", pt));
      for (std::size_t r = 0; r < reqs.size(); ++r) {
        const std::uint64_t inst = event++;
        spy(fmt::format("Physical Instance {:x} {:x} {:x} 0 {} 1 1", inst, inst, sysmem, r + 1));
        spy(fmt::format("Mapping Decision {} {} {} {:x}", pt, r, reqs[r].fields.front(), inst));
      }
      spy(fmt::format("Operation Events {} {:x} {:x}", pt, event, event + 1));
      for (int e = 0; e < p.events_per_task; ++e)
        spy(fmt::format("Event Event {:x} {:x}", event + static_cast<std::uint64_t>(e),
                        event + static_cast<std::uint64_t>(e) + 1));
      event += static_cast<std::uint64_t>(p.events_per_task) + 2;
      std::uint64_t& c = clock[static_cast<std::size_t>((proc - kProc - 2 - p.proc_shift) %
                                                        static_cast<std::uint64_t>(p.cpus))];
      prof.id(18).put(pt, 8).put(static_cast<std::uint64_t>(task), 4).put(1, 4).put(proc, 8);
      prof.put(c - 10, 8).put(c - 5, 8).put(c, 8).put(c + ns, 8).put(0, 8).put(0, 8).put(event, 8);
      c += ns + 1000;
      prof.flush();
    }
    // A meta-task the importer skips.
    prof.id(19).put(op, 8).put(7, 4).put(util, 8).put(1, 8).put(2, 8).put(3, 8).put(4, 8);
    prof.put(0, 8).put(0, 8).put(event++, 8);
    return op;
  };

  launch(2, true, {{2, 0x10000007, {100}}}, p.stencil_ns / 2);
  for (std::int64_t s = 0; s < p.steps; ++s) {
    launch(3, true, {{3, 1, {100}}, {2, 0x10000007, {101}}}, p.stencil_ns);
    launch(4, true, {{2, 7, {100}}}, p.update_ns);
    // A copy between two instances in the system memory, per step.
    prof.id(20).put(uid, 8).put(static_cast<std::uint64_t>(8 * n / P), 8).put(1, 8).put(2, 8);
    prof.put(clock[0], 8).put(clock[0] + 2000, 8).put(0, 8).put(0, 8).put(event, 8).put(0, 4);
    prof.id(48).put(sysmem, 8).put(sysmem, 8).put(100, 4).put(100, 4).put(1, 8).put(2, 8);
    prof.put(event++, 8).put(1, 4).put(0, 1);
  }
  launch(5, false, {{0, 1, {101}}}, p.stencil_ns / 2);
  std::uint64_t end = 0;
  for (std::uint64_t c : clock)
    end = std::max(end, c);
  prof.id(18).put(top, 8).put(1, 4).put(1, 4).put(cpu(0), 8);
  prof.put(1, 8).put(2, 8).put(top_start, 8).put(end, 8).put(0, 8).put(0, 8).put(event++, 8);
  prof.flush(true);
  if (!buf.empty()) spy_out(buf);
}

}  // namespace mapsmith::importer::synthetic
