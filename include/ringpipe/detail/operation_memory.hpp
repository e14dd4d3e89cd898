// The memory of an endpoint's asynchronous operations: one block, kept by the endpoint and reused by
// each of its operations in turn (an endpoint runs one at a time), so a steady stream of operations
// allocates nothing whichever thread wakes them. Asio's per-thread recycling cache cannot promise that:
// it belongs to a thread inside io_context::run(), and a wake posted from another thread (a blocking
// peer, the relay thread of a peer in another process) fills it with blocks of other sizes.
#pragma once

#include <atomic>
#include <cstddef>
#include <new>

namespace ringpipe::detail {

class operation_memory {
public:
  operation_memory() = default;
  operation_memory(const operation_memory&) = delete;
  operation_memory& operator=(const operation_memory&) = delete;
  ~operation_memory() { free_block(spare_.load(std::memory_order_relaxed)); }

  // The spare block if it is large enough, else a new one (the spare, too small, is freed).
  void* take(std::size_t size) {
    // acquire: pairs with give_back()'s release; the previous operation's accesses to it are done.
    block* spare = spare_.exchange(nullptr, std::memory_order_acquire);
    if (spare && spare->capacity >= size) return payload_of(spare);
    free_block(spare);
    block* fresh = static_cast<block*>(::operator new(sizeof(block) + size));
    fresh->capacity = size;
    return payload_of(fresh);
  }

  // Keeps the block as the spare; should two ever be out at once, the spare already there is freed.
  void give_back(void* payload) noexcept {
    // release: this operation's accesses to the block happen before the next take() reuses it.
    free_block(spare_.exchange(block_of(payload), std::memory_order_release));
  }

private:
  // The header before each payload, padded so that the payload is aligned as operator new's result.
  struct alignas(std::max_align_t) block {
    std::size_t capacity;
  };

  static void* payload_of(block* b) noexcept { return b + 1; }
  static block* block_of(void* payload) noexcept { return static_cast<block*>(payload) - 1; }
  static void free_block(block* b) noexcept { ::operator delete(b); }

  std::atomic<block*> spare_{nullptr};
};

// The allocator an operation uses when its handler has none of its own: the endpoint's block.
template <class T>
class operation_allocator {
public:
  using value_type = T;

  explicit operation_allocator(operation_memory& memory) noexcept : memory_(&memory) {}
  template <class U>
  operation_allocator(const operation_allocator<U>& other) noexcept : memory_(other.memory_) {}

  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= alignof(std::max_align_t), "an operation needs no extended alignment");
    return static_cast<T*>(memory_->take(n * sizeof(T)));
  }
  void deallocate(T* pointer, std::size_t) noexcept { memory_->give_back(pointer); }

  template <class U>
  bool operator==(const operation_allocator<U>& other) const noexcept {
    return memory_ == other.memory_;
  }

private:
  template <class U>
  friend class operation_allocator;

  operation_memory* memory_;
};

} // namespace ringpipe::detail
