// SequentialLR: torch.optim.lr_scheduler.SequentialLR (torch 1.13), including its constructor's
// quirks (it rewinds every child by one epoch and re-runs the first child's initial step), so
// the sequence of learning rates is PyTorch's.
#include <algorithm>
#include <cmath>

#include "ember/optim/lr_scheduler.h"

namespace ember::optim {

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  EMBER_CHECK(!schedulers_.empty(), "SequentialLR: expects at least one scheduler");
  for (size_t i = 0; i < schedulers_.size(); ++i) {
    EMBER_CHECK(schedulers_[i] != nullptr, "SequentialLR: scheduler ", i, " is null");
    EMBER_CHECK(&schedulers_[i]->optimizer() == &optimizer, "SequentialLR: expects all schedulers to belong to the "
                "same optimizer, but got scheduler at index ", i, " (", schedulers_[i]->name(),
                ") to be different than the optimizer passed in");
  }
  EMBER_CHECK(milestones_.size() + 1 == schedulers_.size(), "SequentialLR: expects the number of schedulers "
              "provided to be one more than the number of milestone points, but got ", schedulers_.size(),
              " schedulers and ", milestones_.size(), " milestones");
  EMBER_CHECK(std::is_sorted(milestones_.begin(), milestones_.end()), "SequentialLR: milestones must be increasing");
  last_epoch_ = last_epoch + 1;
  for (auto& g : optimizer.param_groups()) g.set_lr(g.options.get("initial_lr"));
  for (auto& s : schedulers_) s->last_epoch_ -= 1;
  schedulers_[0]->initial_step();
  last_lr_ = schedulers_[0]->get_last_lr();
}

void SequentialLR::step() {
  ++step_count_;
  ++last_epoch_;
  const size_t idx = static_cast<size_t>(std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) -
                                         milestones_.begin());
  LRScheduler& s = *schedulers_[idx];
  if (idx > 0 && milestones_[idx - 1] == last_epoch_) s.step_to(0);
  else s.step();
  last_lr_ = s.get_last_lr();
}

Options SequentialLR::state_dict() const {
  Options s = LRScheduler::state_dict();
  std::vector<double> ms(milestones_.begin(), milestones_.end());
  s.set("_milestones", ms);
  for (size_t i = 0; i < schedulers_.size(); ++i) {
    const std::string prefix = "_schedulers." + std::to_string(i) + ".";
    s.set(prefix + "name", schedulers_[i]->name());
    for (auto& [k, v] : schedulers_[i]->state_dict()) s.set(prefix + k, v);
  }
  return s;
}

void SequentialLR::load_state_dict(const Options& s) {
  const char* where = "SequentialLR.load_state_dict";
  std::vector<int64_t> milestones = milestones_;
  if (s.has("_milestones")) {
    milestones.clear();
    for (double m : s.get_list("_milestones")) {
      EMBER_CHECK(std::isfinite(m) && m == std::floor(m) && std::abs(m) < 0x1p63, where,
                  ": _milestones must hold integers, got ", m);
      milestones.push_back(static_cast<int64_t>(m));
    }
  }
  EMBER_CHECK(milestones.size() + 1 == schedulers_.size(), where, ": the state has ", milestones.size(),
              " milestones for ", schedulers_.size(), " schedulers");
  // Split out each child's entries and check the names before touching anything.
  std::vector<Options> children(schedulers_.size());
  Options own;
  for (auto& [k, v] : s) {
    if (k.rfind("_schedulers.", 0) != 0) {
      own.set(k, v);
      continue;
    }
    const size_t dot = k.find('.', 12);
    const std::string idx = k.substr(12, dot == std::string::npos ? std::string::npos : dot - 12);
    EMBER_CHECK(dot != std::string::npos && !idx.empty() && idx.size() <= 18 &&
                    idx.find_first_not_of("0123456789") == std::string::npos,
                where, ": malformed key '", k, "' (expected _schedulers.<index>.<name>)");
    const size_t i = std::stoul(idx);
    EMBER_CHECK(i < schedulers_.size(), where, ": key '", k, "' names scheduler ", i, " but there are only ",
                schedulers_.size());
    children[i].set(k.substr(dot + 1), v);
  }
  for (size_t i = 0; i < schedulers_.size(); ++i) {
    if (!children[i].has("name")) continue;
    EMBER_CHECK(children[i].get_string("name") == schedulers_[i]->name(), where, ": scheduler ", i, " is a ",
                schedulers_[i]->name(), " but the state holds a ", children[i].get_string("name"));
    children[i].erase("name");
  }
  // Children first (restoring the ones already loaded if a later one refuses), then our own.
  std::vector<Options> before;
  for (auto& c : schedulers_) before.push_back(c->state_dict());
  size_t loaded = 0;
  try {
    for (; loaded < schedulers_.size(); ++loaded)
      if (!children[loaded].empty()) schedulers_[loaded]->load_state_dict(children[loaded]);
    LRScheduler::load_state_dict(own);
  } catch (...) {
    for (size_t i = 0; i < loaded; ++i) schedulers_[i]->load_state_dict(before[i]);
    throw;
  }
  milestones_ = std::move(milestones);
}

}  // namespace ember::optim
