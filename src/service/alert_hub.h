// The live side of alert delivery: each user's open streams (Server-Sent Events) get the
// user's new events in id order, each once, and a reconnecting client resumes from the last
// event id it saw.
//
// The store is the only source: one dispatcher thread reads events with id above its
// high-water mark (woken by Notify() right after an evaluation commits, and every
// poll_interval for events another process wrote: `sphere import`, another replica) and hands
// each to the subscribers of its owner. A new subscriber is first replayed what the store has
// after its last event id, on the same thread, so replay and live events cannot interleave or
// repeat. A subscriber whose sink refuses a write (client gone or too slow) is dropped; it
// reconnects with Last-Event-ID and loses nothing.
//
// Ids can commit out of order on PostgreSQL (a sequence hands out ids before the transaction
// commits), so the mark never jumps a gap at once: events above a missing id wait for it, up
// to gap_grace, and then the gap is taken as permanent (a rolled-back id, the event of a rule
// deleted before it was read). Streams stay in id order and skip nothing that commits within
// the grace.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "service/store_pool.h"

namespace sphere::service {

struct AlertHubOptions {
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::seconds heartbeat{15};  // a comment line to every stream: keeps proxies open
  int page = 500;                      // events read per store call
  std::chrono::milliseconds gap_grace{5000};  // how long newer events wait for a missing id
};

class AlertHub {
 public:
  // Writes one event (or a heartbeat when event is null) to a stream; false when the stream
  // is gone. Called on the dispatcher thread only.
  using Deliver = std::function<bool(const AlertEvent* event)>;

  // Starts the dispatcher after the store's newest event: a stream sees what was stored
  // before it connected only by replay (its last event id).
  static Result<std::unique_ptr<AlertHub>> Start(StorePool& stores, AlertHubOptions options = {});
  ~AlertHub();  // Stop()
  AlertHub(const AlertHub&) = delete;
  AlertHub& operator=(const AlertHub&) = delete;

  // The owner's stream, replayed from after last_event_id (0: nothing old), then live.
  // Returns a handle for Unsubscribe.
  int64_t Subscribe(int64_t owner_user_id, int64_t last_event_id, Deliver deliver);
  void Unsubscribe(int64_t subscription);

  // New events may be in the store (an evaluation just committed).
  void Notify();
  void Stop();

  size_t subscribers() const;
  int64_t delivered() const { return delivered_.load(); }
  int64_t high_water() const { return high_water_.load(); }

 private:
  struct Subscriber {
    int64_t owner = 0;
    int64_t last_sent = 0;
    Deliver deliver;
  };
  AlertHub(StorePool& stores, AlertHubOptions options) : stores_(stores), options_(options) {}
  void Run();
  // One pass: replays new subscribers, then fans out what is new in the store.
  Status Dispatch(std::chrono::steady_clock::time_point now);
  bool Send(Subscriber& subscriber, const AlertEvent& event);
  // True while the events after the mark must wait for `missing` (the id after it).
  bool WaitForGap(int64_t missing, std::chrono::steady_clock::time_point now);

  StorePool& stores_;
  const AlertHubOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool notified_ = false, stopping_ = false;
  int64_t next_id_ = 1;
  std::map<int64_t, Subscriber> joining_;  // subscribed, not yet replayed
  std::vector<int64_t> leaving_;
  // Dispatcher thread only:
  std::map<int64_t, Subscriber> active_;
  std::chrono::steady_clock::time_point last_heartbeat_{};
  std::atomic<int64_t> high_water_{0};
  int64_t gap_missing_ = 0;  // the id the live fan-out waits for (0: none)
  std::chrono::steady_clock::time_point gap_since_{};
  std::atomic<int64_t> delivered_{0};
  std::atomic<size_t> subscriber_count_{0};
  std::thread thread_;
};

}  // namespace sphere::service
