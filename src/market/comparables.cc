#include "market/comparables.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace sphere::market {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// The k best neighbours so far, nearest first; k is small (5 for the evidence), so a sorted
// array beats a heap.
class Best {
 public:
  // A careless huge k must not reserve memory up front; the answer grows as found.
  explicit Best(size_t k) : k_(k) { items_.reserve(std::min<size_t>(k, 64) + 1); }

  // The distance a newcomer must not exceed to get in (ties may still enter on creator_id).
  double worst() const { return items_.size() < k_ ? kInfinity : items_.back().distance; }

  void Offer(int64_t creator_id, double distance) {
    if (distance == kInfinity) return;  // nothing shared: not comparable
    const Neighbour candidate{creator_id, distance};
    if (items_.size() == k_ && !Before(candidate, items_.back())) return;
    items_.insert(std::upper_bound(items_.begin(), items_.end(), candidate, Before), candidate);
    if (items_.size() > k_) items_.pop_back();
  }

  std::vector<Neighbour> Take() && { return std::move(items_); }

 private:
  static bool Before(const Neighbour& a, const Neighbour& b) {
    return a.distance < b.distance || (a.distance == b.distance && a.creator_id < b.creator_id);
  }

  size_t k_;
  std::vector<Neighbour> items_;
};

}  // namespace

double ComparableDistance(const std::array<double, kComparableFeatures>& a,
                          const std::array<double, kComparableFeatures>& b) {
  double sum = 0;
  size_t shared = 0;
  for (size_t i = 0; i < kComparableFeatures; ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) continue;
    const double d = a[i] - b[i];
    sum += d * d;
    ++shared;
  }
  if (shared == 0) return kInfinity;
  return std::sqrt(sum * static_cast<double>(kComparableFeatures) / static_cast<double>(shared));
}

namespace {

constexpr uint32_t kLeafSize = 12;

unsigned KnownMask(const std::array<double, kComparableFeatures>& x) {
  unsigned mask = 0;
  for (size_t j = 0; j < kComparableFeatures; ++j) {
    if (std::isfinite(x[j])) mask |= 1u << j;
  }
  return mask;
}

}  // namespace

// One query's walk over the trees of its group, sharing the k best found so far.
class ComparableFinder::Search {
 public:
  Search(const ComparablePoint& of, size_t k) : of_(of), best_(k) {}

  void Run(const Tree& tree, unsigned shared) {
    tree_ = &tree;
    shared_ = shared;
    shared_count_ = static_cast<double>(std::popcount(shared));
    offset_.fill(0);
    Visit(0);
  }

  std::vector<Neighbour> Take() && { return std::move(best_).Take(); }

 private:
  // A lower bound on the distance from the query to any point of a cell whose interval on each
  // shared coordinate j lies offset_[j] away from the query (Arya & Mount's incremental
  // distance). Summed and scaled exactly as ComparableDistance does, term by term no larger,
  // so in floating point too it never exceeds a distance it bounds.
  double CellBound() const {
    double sum = 0;
    for (size_t j = 0; j < kComparableFeatures; ++j) {
      if (shared_ >> j & 1u) sum += offset_[j] * offset_[j];
    }
    return std::sqrt(sum * static_cast<double>(kComparableFeatures) / shared_count_);
  }

  void Visit(uint32_t n) {
    const Node& node = tree_->nodes[n];
    if (node.dim < 0) {
      for (uint32_t i = node.begin; i < node.end; ++i) {
        const Point& p = tree_->points[i];
        if (p.creator_id != of_.creator_id) {
          best_.Offer(p.creator_id, ComparableDistance(of_.x, p.x));
        }
      }
      return;
    }
    const auto dim = static_cast<size_t>(node.dim);
    if ((shared_ >> dim & 1u) == 0) {  // the query does not know this coordinate: no bound
      Visit(node.left);
      Visit(node.right);
      return;
    }
    const double diff = of_.x[dim] - node.split;
    Visit(diff < 0 ? node.left : node.right);
    // The far cell lies |diff| away on this coordinate. Ties with the k-th are visited: they
    // may still win on creator_id.
    const double saved = offset_[dim];
    offset_[dim] = diff;
    if (CellBound() <= best_.worst()) Visit(diff < 0 ? node.right : node.left);
    offset_[dim] = saved;
  }

  const ComparablePoint& of_;
  Best best_;
  const Tree* tree_ = nullptr;
  unsigned shared_ = 0;
  double shared_count_ = 1;
  std::array<double, kComparableFeatures> offset_{};
};

uint32_t ComparableFinder::BuildNode(Tree& tree, uint32_t begin, uint32_t end) {
  const auto index = static_cast<uint32_t>(tree.nodes.size());
  tree.nodes.push_back({begin, end, -1, 0, 0, 0});
  if (end - begin <= kLeafSize) return index;
  int dim = -1;
  double widest = 0;
  for (size_t j = 0; j < kComparableFeatures; ++j) {
    if ((tree.mask >> j & 1u) == 0) continue;
    double lo = tree.points[begin].x[j], hi = lo;
    for (uint32_t i = begin + 1; i < end; ++i) {
      lo = std::min(lo, tree.points[i].x[j]);
      hi = std::max(hi, tree.points[i].x[j]);
    }
    if (hi - lo > widest) {
      widest = hi - lo;
      dim = static_cast<int>(j);
    }
  }
  if (dim < 0) return index;  // all equal on every known coordinate: one leaf
  const uint32_t mid = begin + (end - begin) / 2;
  auto* points = tree.points.data();
  std::nth_element(points + begin, points + mid, points + end,
                   [dim](const Point& a, const Point& b) {
                     return a.x[static_cast<size_t>(dim)] < b.x[static_cast<size_t>(dim)];
                   });
  const double split = tree.points[mid].x[static_cast<size_t>(dim)];
  const uint32_t left = BuildNode(tree, begin, mid);
  const uint32_t right = BuildNode(tree, mid, end);
  Node& node = tree.nodes[index];  // after the children: push_back may have moved it
  node.dim = dim;
  node.split = split;
  node.left = left;
  node.right = right;
  return index;
}

ComparableFinder ComparableFinder::Build(std::vector<ComparablePoint> points) {
  ComparableFinder finder;
  finder.size_ = points.size();
  std::map<std::pair<Platform, std::string>, std::map<unsigned, std::vector<Point>>> parts;
  for (ComparablePoint& p : points) {
    const unsigned mask = KnownMask(p.x);
    if (mask == 0) continue;  // shares nothing with anyone: never comparable
    parts[{p.platform, std::move(p.niche)}][mask].push_back({p.x, p.creator_id});
  }
  for (auto& [key, by_mask] : parts) {
    Group& group = finder.groups_[key];
    for (auto& [mask, part] : by_mask) {
      Tree& tree = group.trees.emplace_back();
      tree.mask = mask;
      tree.points = std::move(part);
      tree.nodes.reserve(2 * tree.points.size() / kLeafSize + 1);
      BuildNode(tree, 0, static_cast<uint32_t>(tree.points.size()));
    }
    std::sort(group.trees.begin(), group.trees.end(),
              [](const Tree& a, const Tree& b) { return a.points.size() > b.points.size(); });
  }
  return finder;
}

std::vector<Neighbour> ComparableFinder::Nearest(const ComparablePoint& of, int k) const {
  if (k < 1) return {};
  const auto it = groups_.find({of.platform, of.niche});
  if (it == groups_.end()) return {};
  const unsigned known = KnownMask(of.x);
  Search search(of, static_cast<size_t>(k));
  // Parts sharing more coordinates first: they tend to hold the nearest points, and an early
  // tight k-th distance prunes the rest.
  for (int shared_count = static_cast<int>(kComparableFeatures); shared_count > 0; --shared_count) {
    for (const Tree& tree : it->second.trees) {
      const unsigned shared = known & tree.mask;
      if (std::popcount(shared) == shared_count) search.Run(tree, shared);
    }
  }
  return std::move(search).Take();
}

}  // namespace sphere::market
