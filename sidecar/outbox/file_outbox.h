// FileOutbox: the file-backed Outbox (contract in sidecar/outbox/outbox.h).
//
// Layout: options.dir/<escaped topic>/ holds the topic's segment files and its cursor file
// (sidecar/outbox/topic_name.h, sidecar/outbox/outbox_format.h).
//
// Group commit: Append puts a request on a queue. When nobody is writing, the caller writes it
// itself: it takes every queued request at once, encodes them into one buffer per topic, does one
// write() per touched topic and publishes the records to readers (on_readable), then (under
// SyncPolicy::kEveryBatch) one fdatasync per touched topic, and wakes the rest of the batch. Callers that come while a batch is being
// written wait in the queue; the writer thread then takes the write side and writes batch after
// batch until the queue is empty. The queue mutex is never held during I/O, so the next batch
// forms while the current one syncs. So an append to an idle outbox costs no thread hand-off (a
// writer thread alone cost two wake-ups per batch, the writer's and the caller's), and a busy
// outbox keeps the writer thread's pipeline: it is already running when the next batch is ready,
// where handing the write side from caller to caller would wait for each one's wake-up.
//
// Stage and CommitStaged (the event-loop API's rounds): a staging request goes through the same
// queue, but its records are only encoded into the topic's write buffer, not written; their
// reservation against the quota stays until they are. CommitStaged queues a request that makes
// the batch write and flush every topic with staged records (so does any Append of that topic).
// Staged records are invisible to readers until that write, exactly as appended ones.
//
// Readable before durable: a topic's records are published to readers right after their write(),
// before its fdatasync, so the dispatcher sends them while the disk syncs; the callers are woken
// only after the sync. A machine crash can therefore lose a record that was read (never one that
// was acknowledged), and a cursor may have been persisted past it: OpenTopic lowers such a cursor
// to the recovered end (CursorStore::LowerTo) before anything is appended. Under kInterval the
// same holds for acknowledged records, which were only promised sync_interval durability.
//
// Under kInterval, callers are woken after the write() and the writing caller never fdatasyncs
// (except the old segment on a roll, under every policy): it hands the touched topics to a syncer
// thread (MarkUnsynced, before waking the batch), which fdatasyncs each one's active segment at
// most every sync_interval by the injected clock (TopicLog::SyncActive). So a slow fdatasync never
// holds back the next write() or wake-up; write() and fdatasync on the same descriptor may run at
// once, and TopicLog keeps the descriptor from being closed during the sync (a roll waits for it).
// The on_sync callback observes those syncs on the syncer thread. (A file handle shared with the
// syncer and closed by its last owner was the alternative; it would lose the roll's close() error.
// See docs/outbox_format.md "Group commit and sync policies".)
//
// A failed write or sync is fatal: the batch and every later Append fail with the same IOError,
// since the kernel may have dropped the unsynced pages and a retry could report success for data
// that is not on disk. A sync failing on the syncer fails the appends after it (the ones already
// acknowledged were promised only sync_interval durability).
//
// Cursors: CommitCursor changes memory only; the writer thread persists changed cursor files at
// most every kCursorPersistInterval (by the injected clock), and always on FlushCursors(), Close()
// and before ApplyRetention removes segments. DropCursor persists at once.
//
// Close refuses new appends, waits for the queued ones to be written, stops the writer thread, then
// the syncer after a final sync of every topic still unsynced, and reports the first fatal error.
//
// Threads: every public method may be called from any thread. The write side (each TopicLog's
// Stage/Write/Sync, ProcessBatch) is held by one thread at a time: an Append caller that found the
// outbox idle, or the writer thread (writing_ and writer_has_it_, under mu_). Start() starts the
// writer thread (WriterLoop: batches handed to it, cursor persistence) and, under kInterval only,
// the syncer thread (SyncerLoop); Close() (or the destructor) joins both. topics_mu_ guards topics_
// (topics are never removed while open, so a Topic* stays valid); mu_ guards the queue, writing_,
// writer_has_it_, closed_, stop_writer_, failed_ and reserved_bytes_; sync_mu_ guards to_sync_ and
// stop_syncer_. last_cursor_persist_ belongs to the writer thread, last_sync_ to the syncer.
#pragma once

#include <semaphore.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/util/file_system.h"
#include "sidecar/outbox/cursor_store.h"
#include "sidecar/outbox/outbox.h"
#include "sidecar/outbox/topic_log.h"

namespace zroute {

class FileOutbox final : public Outbox {
 public:
  static constexpr Duration kCursorPersistInterval = std::chrono::milliseconds(50);

  // REQUIRES: fs and clock outlive the outbox. Call Start() before anything else.
  FileOutbox(const OutboxOptions& options, Clock& clock, FileSystem& fs);
  ~FileOutbox() override;

  // Creates options.dir when missing, recovers every topic found there, starts the writer thread.
  Status Start();

  StatusOr<std::vector<uint64_t>> Append(const std::string& topic,
                                         std::vector<OutboxRecord> records) override;
  StatusOr<std::vector<uint64_t>> Stage(const std::string& topic, std::vector<OutboxRecord> records) override;
  Status CommitStaged() override;
  StatusOr<std::vector<StoredRecord>> Read(const std::string& topic, uint64_t from,
                                           size_t max_records, size_t max_bytes) const override;
  uint64_t EndOffset(const std::string& topic) const override;
  uint64_t BeginOffset(const std::string& topic) const override;
  uint64_t OffsetForTime(const std::string& topic, WallTime t) const override;
  Status CommitCursor(const std::string& topic, const std::string& subscription,
                      uint64_t offset) override;
  uint64_t Cursor(const std::string& topic, const std::string& subscription) const override;
  Status DropCursor(const std::string& topic, const std::string& subscription) override;
  std::vector<std::string> Topics() const override;
  StatusOr<uint64_t> ApplyRetention(const std::string& topic, const TopicRetention& retention,
                                    WallTime now, uint64_t keep_from) override;
  uint64_t DiskBytes() const override { return disk_bytes_.load(); }
  uint64_t TopicDiskBytes(const std::string& topic) const override;
  Status Close() override;

  // Persists every changed cursor now.
  Status FlushCursors();

  // Appends waiting for the batch being written to finish (they go out together as the next one).
  size_t QueuedAppends();

 private:
  struct Topic {
    Topic(FileSystem& fs, const std::string& dir, std::string topic_name)
        : name(std::move(topic_name)), cursors(fs, dir) {}
    const std::string name;  // as Append names it
    std::unique_ptr<TopicLog> log;
    CursorStore cursors;
    // Staged but not yet written (holder of the write side): the bytes still reserved.
    uint64_t staged_reserved = 0;
  };
  struct AppendRequest {
    Topic* topic = nullptr;
    std::vector<OutboxRecord> records;
    uint64_t bytes = 0;
    std::vector<uint64_t> offsets;
    Status status;
    bool stage_only = false;     // Stage: encode, do not write
    bool commit_staged = false;  // CommitStaged: no records; write every topic with staged ones
    // Posted once by whoever wrote the request, after it set `status` and `offsets` and let go
    // of mu_: the caller wakes straight into its own work instead of blocking on the mutex the
    // writer still holds (a second context switch per append). A POSIX semaphore because it may
    // be destroyed as soon as sem_wait returns, while the sem_post that woke it is still on its
    // way out.
    sem_t done;
    AppendRequest() { sem_init(&done, 0, 0); }
    ~AppendRequest() { sem_destroy(&done); }
    AppendRequest(const AppendRequest&) = delete;
    AppendRequest& operator=(const AppendRequest&) = delete;
  };

  // Queues `request` and returns once it was processed (written by this caller or another).
  Status Submit(AppendRequest& request);
  StatusOr<std::vector<uint64_t>> AppendOrStage(const std::string& topic, std::vector<OutboxRecord> records,
                                                bool stage_only);
  Topic* FindTopic(const std::string& name) const;
  StatusOr<Topic*> GetOrCreateTopic(const std::string& name);
  // Opens (recovering) the topic `name` stored in options_.dir/dir_name.
  StatusOr<std::unique_ptr<Topic>> OpenTopic(const std::string& dir_name, const std::string& name);

  // Writes every queued request as one batch. Then frees the write side when nothing was queued
  // meanwhile and returns false; otherwise returns true (on the writer thread: write again) after
  // handing the write side to the writer thread if an Append caller held it.
  // REQUIRES: the calling thread holds the write side; mu_ not held.
  bool WriteQueued();
  void WriterLoop();
  void ProcessBatch(std::vector<AppendRequest*>& batch);  // holder of the write side
  void MarkUnsynced(const std::vector<Topic*>& topics);  // holder of the write side
  void SyncerLoop();
  // fdatasyncs every topic's active segment; returns the first error (syncs the rest anyway).
  Status SyncTopics(const std::vector<Topic*>& topics);  // syncer thread
  Status PersistCursors();
  void Fail(const Status& status);  // holder of the write side, or the syncer thread

  const OutboxOptions options_;
  Clock& clock_;
  FileSystem& fs_;

  mutable std::mutex topics_mu_;
  std::map<std::string, std::unique_ptr<Topic>> topics_;  // guarded by topics_mu_

  std::mutex mu_;
  std::condition_variable work_cv_;    // the writer thread waits for a hand-off, its timer or Close
  std::condition_variable idle_cv_;    // Close waits for the write side to be free
  std::vector<AppendRequest*> queue_;  // written by the next batch
  bool writing_ = false;               // someone holds the write side
  bool writer_has_it_ = false;         // ... and it is the writer thread
  bool closed_ = false;                // appends are refused
  bool stop_writer_ = false;
  Status failed_;                // the fatal error; set under mu_
  uint64_t reserved_bytes_ = 0;  // queued or staged, not yet written
  std::vector<Topic*> staged_topics_;  // topics with staged records; holder of the write side
  std::atomic<uint64_t> disk_bytes_{0};

  // Writer-thread state.
  MonoTime last_cursor_persist_;

  // Syncer (kInterval only).
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;  // the syncer waits for unsynced topics, its timer or stop
  std::vector<Topic*> to_sync_;      // written but not yet handed to fdatasync; guarded by sync_mu_
  bool stop_syncer_ = false;         // guarded by sync_mu_
  MonoTime last_sync_;               // syncer thread (set by Start before it runs)
  std::thread syncer_;

  std::mutex close_mu_;  // serialises Close
  bool close_done_ = false;
  Status close_status_;
  std::thread writer_;
};

}  // namespace zroute
