#include "search/confirm.h"

#include <algorithm>

namespace mapsmith::search {

std::vector<Confirmed> confirm(const std::vector<std::pair<std::string, double>>& mappers,
                               Evaluator& real, int repeats) {
  std::vector<Confirmed> out;
  std::vector<std::string> programs;
  for (const auto& [text, simulated] : mappers) {
    Confirmed c;
    c.mapper = text;
    c.simulated_s = simulated;
    c.ok = true;
    out.push_back(std::move(c));
    programs.push_back(text);
  }
  for (int r = 0; r < std::max(1, repeats); ++r) {
    const std::vector<Evaluation> evals = real.evaluate(programs, {});
    for (std::size_t i = 0; i < out.size() && i < evals.size(); ++i) {
      if (!evals[i].ok) {
        if (out[i].ok) out[i].failure = evals[i].failure;
        out[i].ok = false;
        continue;
      }
      out[i].runs.push_back(evals[i].time_s);
    }
  }
  for (Confirmed& c : out) {
    if (!c.ok || c.runs.empty()) {
      c.ok = false;
      continue;
    }
    std::vector<double> s = c.runs;
    std::sort(s.begin(), s.end());
    const std::size_t m = s.size() / 2;
    c.measured_s = s.size() % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  }
  return out;
}

}  // namespace mapsmith::search
