#include "sidecar/outbox/file_outbox.h"

#include <algorithm>

#include "common/util/logging.h"
#include "common/util/thread_name.h"
#include "sidecar/outbox/outbox_format.h"
#include "sidecar/outbox/segment_writer.h"
#include "sidecar/outbox/topic_name.h"

namespace zroute {
namespace {

constexpr size_t kMaxTopicDirName = 240;

Status ValidateTopic(const std::string& topic) {
  if (topic.empty()) return Status::InvalidArgument("empty topic name");
  if (EscapeTopicName(topic).size() > kMaxTopicDirName) {
    return Status::InvalidArgument("topic name too long");
  }
  return Status::OK();
}

}  // namespace

FileOutbox::FileOutbox(const OutboxOptions& options, Clock& clock, FileSystem& fs)
    : options_(options), clock_(clock), fs_(fs) {}

FileOutbox::~FileOutbox() { (void)Close(); }

StatusOr<std::unique_ptr<FileOutbox::Topic>> FileOutbox::OpenTopic(const std::string& dir_name,
                                                                   const std::string& name) {
  const std::string dir = options_.dir + "/" + dir_name;
  ZR_RETURN_IF_ERROR(fs_.CreateDir(dir));
  auto topic = std::make_unique<Topic>(fs_, dir, name);
  ZR_ASSIGN_OR_RETURN(topic->log, TopicLog::Open(fs_, dir, options_.segment_bytes));
  ZR_RETURN_IF_ERROR(topic->cursors.Load());
  // Records are dispatched once written, before their fdatasync (and under kInterval acknowledged
  // before it), so a cursor may have been persisted past what a machine crash left of the log.
  // The next appends get those offsets again: the cursor must not skip them, and must not again
  // after another crash before its next persist.
  ZR_ASSIGN_OR_RETURN(std::vector<std::string> lowered, topic->cursors.LowerTo(topic->log->EndOffset()));
  for (const std::string& subscription : lowered) {
    ZR_LOG(kWarn, "outbox", "cursor past the end of its recovered log lowered to that end",
           {{"topic", name}, {"subscription", subscription}, {"endOffset", topic->log->EndOffset()}});
  }
  return topic;
}

Status FileOutbox::Start() {
  if (options_.dir.empty()) return Status::InvalidArgument("outbox dir is empty");
  ZR_RETURN_IF_ERROR(fs_.CreateDir(options_.dir));
  ZR_ASSIGN_OR_RETURN(auto names, fs_.ListDir(options_.dir));
  uint64_t bytes = 0;
  for (const auto& name : names) {
    std::optional<std::string> topic_name = UnescapeTopicName(name);
    if (!topic_name) continue;
    auto topic = OpenTopic(name, *topic_name);
    if (!topic.ok()) return topic.status().WithContext("outbox topic " + *topic_name);
    bytes += (*topic)->log->DiskBytes();
    topics_[*topic_name] = std::move(topic).value();
  }
  disk_bytes_ = bytes;
  // Both timers start here, not when the threads first run (a test may move the clock before).
  last_sync_ = last_cursor_persist_ = clock_.Now();
  writer_ = std::thread([this] {
    SetCurrentThreadName("zr-outbox-write");
    WriterLoop();
  });
  if (options_.sync_policy == SyncPolicy::kInterval) syncer_ = std::thread([this] {
      SetCurrentThreadName("zr-outbox-sync");
      SyncerLoop();
    });
  return Status::OK();
}

FileOutbox::Topic* FileOutbox::FindTopic(const std::string& name) const {
  std::lock_guard<std::mutex> lock(topics_mu_);
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : it->second.get();
}

StatusOr<FileOutbox::Topic*> FileOutbox::GetOrCreateTopic(const std::string& name) {
  ZR_RETURN_IF_ERROR(ValidateTopic(name));
  std::lock_guard<std::mutex> lock(topics_mu_);
  auto it = topics_.find(name);
  if (it != topics_.end()) return it->second.get();
  ZR_ASSIGN_OR_RETURN(auto topic, OpenTopic(EscapeTopicName(name), name));
  ZR_RETURN_IF_ERROR(fs_.SyncDir(options_.dir));
  Topic* raw = topic.get();
  topics_[name] = std::move(topic);
  return raw;
}

StatusOr<std::vector<uint64_t>> FileOutbox::Append(const std::string& topic,
                                                   std::vector<OutboxRecord> records) {
  return AppendOrStage(topic, std::move(records), /*stage_only=*/false);
}

StatusOr<std::vector<uint64_t>> FileOutbox::Stage(const std::string& topic, std::vector<OutboxRecord> records) {
  return AppendOrStage(topic, std::move(records), /*stage_only=*/true);
}

Status FileOutbox::CommitStaged() {
  AppendRequest request;
  request.commit_staged = true;
  return Submit(request);
}

StatusOr<std::vector<uint64_t>> FileOutbox::AppendOrStage(const std::string& topic,
                                                          std::vector<OutboxRecord> records, bool stage_only) {
  uint64_t bytes = 0;
  for (const OutboxRecord& record : records) {
    if (record.key.size() + record.payload.size() > outbox_format::kMaxBodyBytes) {
      return Status::TooLarge("outbox record over " + std::to_string(outbox_format::kMaxBodyBytes) +
                              " bytes");
    }
    bytes += EncodedRecordSize(record);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::FailedPrecondition("outbox closed");
    if (!failed_.ok()) return failed_;
  }
  ZR_ASSIGN_OR_RETURN(Topic * t, GetOrCreateTopic(topic));
  if (records.empty()) return std::vector<uint64_t>{};

  AppendRequest request;
  request.topic = t;
  request.records = std::move(records);
  request.bytes = bytes;
  request.stage_only = stage_only;
  request.offsets.reserve(request.records.size());
  ZR_RETURN_IF_ERROR(Submit(request));
  return std::move(request.offsets);
}

Status FileOutbox::Submit(AppendRequest& request) {
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) return Status::FailedPrecondition("outbox closed");
  if (!failed_.ok()) return failed_;
  if (disk_bytes_.load() + reserved_bytes_ + request.bytes > options_.disk_quota_bytes) {
    return Status::ResourceExhausted("outbox disk quota of " +
                                     std::to_string(options_.disk_quota_bytes) + " bytes reached");
  }
  reserved_bytes_ += request.bytes;
  queue_.push_back(&request);
  const bool write_here = !writing_;
  writing_ = true;
  lock.unlock();
  if (write_here) {
    // The outbox was idle: this caller writes its own request (and whatever queued meanwhile).
    WriteQueued();
  }
  while (sem_wait(&request.done) != 0) {
    // EINTR: a signal handler ran; keep waiting (the writer posts exactly once).
  }
  return request.status;
}

bool FileOutbox::WriteQueued() {
  std::vector<AppendRequest*> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(queue_);
  }
  ProcessBatch(batch);  // posts every request of the batch; none is touched after that
  bool more = false;
  bool closing = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    more = !queue_.empty();
    if (!more) {
      writing_ = false;
      writer_has_it_ = false;
      closing = closed_;
    } else if (!writer_has_it_) {
      // Requests came while this caller wrote: the writer thread, not this caller, writes them,
      // so this caller's own answer is not held back by other callers' batches.
      writer_has_it_ = true;
      work_cv_.notify_one();
    }
  }
  if (closing) idle_cv_.notify_all();  // Close waits for the write side to be free
  return more;
}

void FileOutbox::WriterLoop() {
  for (;;) {
    bool closing = false;
    bool write = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait_for(lock, kCursorPersistInterval, [&] { return writer_has_it_ || stop_writer_; });
      write = writer_has_it_;
      closing = stop_writer_;
    }
    // Holds the write side until the queue is empty (a busy outbox keeps its batches here).
    while (write) write = WriteQueued();
    const MonoTime now = clock_.Now();
    if (closing || now - last_cursor_persist_ >= kCursorPersistInterval) {
      last_cursor_persist_ = now;
      (void)PersistCursors();  // retried on the next round; Close reports a failure
    }
    if (closing) return;
  }
}

void FileOutbox::SyncerLoop() {
  const Duration interval = options_.sync_interval;
  std::vector<Topic*> topics;
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock<std::mutex> lock(sync_mu_);
      for (;;) {
        if (stop_syncer_) {
          stopping = true;
          break;
        }
        if (to_sync_.empty()) {
          sync_cv_.wait(lock);  // MarkUnsynced notifies when the set becomes non-empty
          continue;
        }
        const Duration left = last_sync_ + interval - clock_.Now();
        if (left <= Duration::zero()) break;
        // The interval is measured on the injected clock; this real-time wait only bounds how
        // late a due sync is noticed (a simulated clock moves without notifying anyone).
        sync_cv_.wait_for(lock, std::min(left, interval));
      }
      topics.swap(to_sync_);
    }
    Status status = SyncTopics(topics);
    topics.clear();
    last_sync_ = clock_.Now();
    if (!status.ok()) Fail(status);
    if (stopping) return;
  }
}

void FileOutbox::MarkUnsynced(const std::vector<Topic*>& topics) {
  if (topics.empty()) return;
  bool was_empty = false;
  {
    std::lock_guard<std::mutex> lock(sync_mu_);
    was_empty = to_sync_.empty();
    for (Topic* topic : topics) {
      if (std::find(to_sync_.begin(), to_sync_.end(), topic) == to_sync_.end()) {
        to_sync_.push_back(topic);
      }
    }
  }
  if (was_empty) sync_cv_.notify_one();
}

void FileOutbox::ProcessBatch(std::vector<AppendRequest*>& batch) {
  Status status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    status = failed_;
  }
  uint64_t written = 0;
  uint64_t released = 0;  // reservations of staged records written now
  if (status.ok()) {
    // Topics to write, in first-seen order; a batch touches few topics, so a linear search is
    // cheapest. A staging request only encodes; its topic is written by a later batch.
    std::vector<Topic*> touched;
    auto touch = [&touched](Topic* t) {
      if (std::find(touched.begin(), touched.end(), t) == touched.end()) touched.push_back(t);
    };
    for (AppendRequest* request : batch) {
      if (request->commit_staged) {
        for (Topic* t : staged_topics_) touch(t);
        continue;
      }
      if (request->stage_only) {
        // Its reservation moves to the topic and is released when the topic is written.
        request->topic->staged_reserved += request->bytes;
        if (std::find(staged_topics_.begin(), staged_topics_.end(), request->topic) == staged_topics_.end()) {
          staged_topics_.push_back(request->topic);
        }
      } else {
        touch(request->topic);
      }
      status = request->topic->log->Stage(request->records, &request->offsets);
      if (!status.ok()) break;
    }
    const bool sync = options_.sync_policy == SyncPolicy::kEveryBatch;
    for (size_t i = 0; status.ok() && i < touched.size(); ++i) {
      const MonoTime flush_start = clock_.Now();
      StatusOr<uint64_t> bytes = touched[i]->log->Write();
      if (!bytes.ok()) {
        status = bytes.status();
      } else if (*bytes > 0) {
        written += *bytes;
        // Readable now: the dispatcher sends while the disk syncs; the callers are answered after.
        NotifyReadable(touched[i]->name);
        if (sync) {
          status = touched[i]->log->Sync();
          if (status.ok() && options_.on_sync) options_.on_sync(clock_.Now() - flush_start);
        }
      }
      released += touched[i]->staged_reserved;
      touched[i]->staged_reserved = 0;
      std::erase(staged_topics_, touched[i]);
    }
    // Before the callers wake: an acknowledged append is always queued for the syncer.
    if (!sync) MarkUnsynced(touched);
    if (!status.ok()) Fail(status);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    disk_bytes_.fetch_add(written);
    reserved_bytes_ -= released;
    for (AppendRequest* request : batch) {
      // A staged request's reservation went to its topic's (above). After a fatal error the
      // reservations of requests never reached stay: every later append fails before the quota.
      if (!request->stage_only) reserved_bytes_ -= request->bytes;
      if (!failed_.ok()) request->status = failed_;
    }
  }
  // After the post the caller may return and destroy its request: nothing touches it after.
  for (AppendRequest* request : batch) sem_post(&request->done);
}

Status FileOutbox::SyncTopics(const std::vector<Topic*>& topics) {
  Status first_error;
  for (Topic* topic : topics) {
    const MonoTime start = clock_.Now();
    Status status = topic->log->SyncActive();
    if (status.ok() && options_.on_sync) options_.on_sync(clock_.Now() - start);
    if (!status.ok() && first_error.ok()) first_error = status;
  }
  return first_error;
}

void FileOutbox::Fail(const Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (failed_.ok()) {
    failed_ = Status::IOError("outbox failed, no further appends: " + status.ToString());
  }
}

Status FileOutbox::PersistCursors() {
  std::vector<Topic*> topics;
  {
    std::lock_guard<std::mutex> lock(topics_mu_);
    for (auto& [name, topic] : topics_) topics.push_back(topic.get());
  }
  Status first_error;
  for (Topic* topic : topics) {
    if (!topic->cursors.dirty()) continue;
    Status status = topic->cursors.Persist();
    if (!status.ok() && first_error.ok()) first_error = status;
  }
  return first_error;
}

Status FileOutbox::FlushCursors() { return PersistCursors(); }

size_t FileOutbox::QueuedAppends() {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

StatusOr<std::vector<StoredRecord>> FileOutbox::Read(const std::string& topic, uint64_t from,
                                                     size_t max_records, size_t max_bytes) const {
  Topic* t = FindTopic(topic);
  if (t == nullptr) return std::vector<StoredRecord>{};
  return t->log->Read(from, max_records, max_bytes);
}

uint64_t FileOutbox::EndOffset(const std::string& topic) const {
  Topic* t = FindTopic(topic);
  return t == nullptr ? 0 : t->log->EndOffset();
}

uint64_t FileOutbox::BeginOffset(const std::string& topic) const {
  Topic* t = FindTopic(topic);
  return t == nullptr ? 0 : t->log->BeginOffset();
}

uint64_t FileOutbox::OffsetForTime(const std::string& topic, WallTime time) const {
  Topic* t = FindTopic(topic);
  return t == nullptr ? 0 : t->log->OffsetForTime(time);
}

Status FileOutbox::CommitCursor(const std::string& topic, const std::string& subscription,
                                uint64_t offset) {
  if (subscription.empty() || subscription.size() > outbox_format::kMaxCursorNameBytes) {
    return Status::InvalidArgument("bad subscription name for a cursor");
  }
  ZR_ASSIGN_OR_RETURN(Topic * t, GetOrCreateTopic(topic));
  t->cursors.Commit(subscription, offset);
  return Status::OK();
}

uint64_t FileOutbox::Cursor(const std::string& topic, const std::string& subscription) const {
  Topic* t = FindTopic(topic);
  return t == nullptr ? 0 : t->cursors.Get(subscription);
}

Status FileOutbox::DropCursor(const std::string& topic, const std::string& subscription) {
  Topic* t = FindTopic(topic);
  return t == nullptr ? Status::OK() : t->cursors.Drop(subscription);
}

std::vector<std::string> FileOutbox::Topics() const {
  std::lock_guard<std::mutex> lock(topics_mu_);
  std::vector<std::string> names;
  for (const auto& [name, topic] : topics_) names.push_back(name);
  return names;
}

StatusOr<uint64_t> FileOutbox::ApplyRetention(const std::string& topic, const TopicRetention& retention,
                                              WallTime now, uint64_t keep_from) {
  Topic* t = FindTopic(topic);
  if (t == nullptr) return uint64_t{0};
  // A removed segment must stay removed for the cursors that allowed it: persist them first, so
  // that after a crash no cursor points below the first retained offset by mistake.
  ZR_RETURN_IF_ERROR(t->cursors.Persist());
  ZR_ASSIGN_OR_RETURN(uint64_t removed,
                      t->log->RemoveSegments(retention, now, std::min(keep_from, t->cursors.Lowest())));
  disk_bytes_.fetch_sub(removed);
  return removed;
}

uint64_t FileOutbox::TopicDiskBytes(const std::string& topic) const {
  Topic* t = FindTopic(topic);
  return t == nullptr ? 0 : t->log->DiskBytes();
}

Status FileOutbox::Close() {
  std::lock_guard<std::mutex> close_lock(close_mu_);
  if (close_done_) return close_status_;
  {
    // New appends are refused from here; the ones already queued are written by the caller that
    // holds the write side, which frees it when the queue is empty.
    std::unique_lock<std::mutex> lock(mu_);
    closed_ = true;
    idle_cv_.wait(lock, [&] { return !writing_; });
    stop_writer_ = true;
  }
  work_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  // Nobody holds the write side now: records staged and never committed are written (and
  // queued for the syncer) here, as Close promises.
  if (!staged_topics_.empty()) {
    AppendRequest commit;
    commit.commit_staged = true;
    std::vector<AppendRequest*> batch{&commit};
    ProcessBatch(batch);
  }
  // No append is written any more, so nothing is added to to_sync_: the syncer's last round
  // syncs every topic still unsynced, then it exits.
  {
    std::lock_guard<std::mutex> lock(sync_mu_);
    stop_syncer_ = true;
  }
  sync_cv_.notify_one();
  if (syncer_.joinable()) syncer_.join();
  Status status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    status = failed_;
  }
  Status cursors = PersistCursors();
  if (status.ok()) status = cursors;
  std::lock_guard<std::mutex> lock(topics_mu_);
  for (auto& [name, topic] : topics_) {
    Status closed = topic->log->CloseWriter();
    if (status.ok()) status = closed;
  }
  close_done_ = true;
  close_status_ = status;
  return status;
}

StatusOr<std::unique_ptr<Outbox>> OpenOutbox(const OutboxOptions& options, Clock& clock,
                                             FileSystem& fs) {
  auto outbox = std::make_unique<FileOutbox>(options, clock, fs);
  ZR_RETURN_IF_ERROR(outbox->Start());
  return std::unique_ptr<Outbox>(std::move(outbox));
}

StatusOr<std::unique_ptr<Outbox>> OpenOutbox(const OutboxOptions& options, Clock& clock) {
  return OpenOutbox(options, clock, DefaultFileSystem());
}

}  // namespace zroute
