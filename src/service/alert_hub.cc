#include "service/alert_hub.h"

#include <cstdio>
#include <utility>

namespace sphere::service {

Result<std::unique_ptr<AlertHub>> AlertHub::Start(StorePool& stores, AlertHubOptions options) {
  if (options.page < 1) return InvalidArgument("alert hub: page must be positive");
  std::unique_ptr<AlertHub> hub(new AlertHub(stores, options));
  // The newest stored event: streams start after it.
  SPHERE_ASSIGN_OR_RETURN(StorePool::Lease store, stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(hub->high_water_, store->LastAlertEventId());
  hub->last_heartbeat_ = std::chrono::steady_clock::now();
  hub->thread_ = std::thread([raw = hub.get()] { raw->Run(); });
  return hub;
}

AlertHub::~AlertHub() { Stop(); }

void AlertHub::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t AlertHub::Subscribe(int64_t owner_user_id, int64_t last_event_id, Deliver deliver) {
  int64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    joining_[id] = Subscriber{owner_user_id, last_event_id, std::move(deliver)};
    notified_ = true;
  }
  subscriber_count_++;
  wake_.notify_all();
  return id;
}

void AlertHub::Unsubscribe(int64_t subscription) {
  {
    std::lock_guard lock(mutex_);
    if (joining_.erase(subscription) > 0) {
      subscriber_count_--;
      return;
    }
    leaving_.push_back(subscription);
  }
  wake_.notify_all();
}

void AlertHub::Notify() {
  {
    std::lock_guard lock(mutex_);
    notified_ = true;
  }
  wake_.notify_all();
}

size_t AlertHub::subscribers() const { return subscriber_count_.load(); }

bool AlertHub::Send(Subscriber& subscriber, const AlertEvent& event) {
  if (event.id <= subscriber.last_sent) return true;
  if (!subscriber.deliver(&event)) return false;
  subscriber.last_sent = event.id;
  delivered_++;
  return true;
}

bool AlertHub::WaitForGap(int64_t missing, std::chrono::steady_clock::time_point now) {
  if (gap_missing_ != missing) {
    gap_missing_ = missing;
    gap_since_ = now;
  }
  return now - gap_since_ < options_.gap_grace;
}

void AlertHub::Run() {
  std::chrono::milliseconds backoff{0};
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.poll_interval + backoff,
                     [&] { return notified_ || stopping_; });
      if (stopping_) break;
      notified_ = false;
    }
    if (Status status = Dispatch(std::chrono::steady_clock::now()); !status.ok()) {
      // The store is down or refused: say so and try again later, never spin.
      std::fprintf(stderr, "alert streams: %s\n", status.ToString().c_str());
      backoff = std::min(backoff + options_.poll_interval, std::chrono::milliseconds(30000));
    } else {
      backoff = std::chrono::milliseconds(0);
    }
  }
  // Streams end with the server: their connections are closed by it.
  active_.clear();
}

Status AlertHub::Dispatch(std::chrono::steady_clock::time_point now) {
  std::map<int64_t, Subscriber> joining;
  std::vector<int64_t> leaving;
  {
    std::lock_guard lock(mutex_);
    joining.swap(joining_);
    leaving.swap(leaving_);
  }
  for (int64_t id : leaving) {
    if (active_.erase(id) > 0) subscriber_count_--;
  }
  SPHERE_ASSIGN_OR_RETURN(StorePool::Lease store, stores_.Acquire());
  const int64_t high = high_water_.load();
  // Replay each new subscriber up to the current mark, then it joins the live fan-out.
  for (auto& [id, subscriber] : joining) {
    bool alive = true;
    while (alive && subscriber.last_sent < high) {
      Result<std::vector<AlertEvent>> page =
          store->ListAlertEvents(subscriber.owner, subscriber.last_sent, options_.page);
      if (!page.ok()) {
        if (page.status().code() == Code::kUnavailable) store.Discard();
        // Keep it joining: the next pass retries the replay.
        std::lock_guard lock(mutex_);
        joining_.emplace(id, std::move(subscriber));
        return page.status();
      }
      if (page->empty()) break;
      for (const AlertEvent& event : *page) {
        if (event.id > high) break;  // the live fan-out below sends it
        if (!(alive = Send(subscriber, event))) break;
      }
      if (page->back().id > high) break;
    }
    if (alive) {
      if (subscriber.last_sent < high) subscriber.last_sent = high;
      active_.emplace(id, std::move(subscriber));
    } else {
      subscriber_count_--;
    }
  }
  // Live: everything after the mark, to its owner's subscribers.
  for (;;) {
    Result<std::vector<AlertEvent>> page =
        store->ListAlertEventsAfter(high_water_.load(), options_.page);
    if (!page.ok()) {
      if (page.status().code() == Code::kUnavailable) store.Discard();
      return page.status();
    }
    if (page->empty()) break;
    bool waiting = false;
    for (const AlertEvent& event : *page) {
      const int64_t missing = high_water_.load() + 1;
      if (event.id > missing && WaitForGap(missing, now)) {
        waiting = true;  // the next pass (a notify or the poll) looks again
        break;
      }
      for (auto it = active_.begin(); it != active_.end();) {
        if (it->second.owner == event.owner_user_id && !Send(it->second, event)) {
          it = active_.erase(it);
          subscriber_count_--;
        } else {
          ++it;
        }
      }
      high_water_ = event.id;
    }
    if (waiting || static_cast<int>(page->size()) < options_.page) break;
  }
  if (now - last_heartbeat_ >= options_.heartbeat) {
    last_heartbeat_ = now;
    for (auto it = active_.begin(); it != active_.end();) {
      if (!it->second.deliver(nullptr)) {
        it = active_.erase(it);
        subscriber_count_--;
      } else {
        ++it;
      }
    }
  }
  return Status::Ok();
}

}  // namespace sphere::service
