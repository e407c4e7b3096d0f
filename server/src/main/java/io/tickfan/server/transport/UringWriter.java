package io.tickfan.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.unix.IovArray;
import io.netty.channel.unix.Limits;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoOps;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.tickfan.server.fanout.EncodedTick;
import java.util.Arrays;

/**
 * io_uring's counterpart of {@link BatchWriter}: one subscriber's batch of shared frames goes to its
 * socket as one {@code IORING_OP_WRITEV} submission over the frames' own memory, with no duplicate,
 * no pipeline message and no outbound-buffer entry per tick; every batch a loop writes in one pass
 * is submitted to the kernel together, in the loop's next {@code io_uring_enter}. Through the
 * pipeline, Netty's io_uring channel would take an outbound-buffer entry per tick and handle each
 * write's completion in the channel.
 *
 * <p>A submission completes later, so the frames it reads are retained until its completion, and
 * the connection's {@link UringGate} holds whatever the pipeline writes meanwhile. The completion
 * hands the gate what the kernel did not take (as slices of the frames), which goes first, then
 * everything held. A batch is submitted only while Netty holds no bytes for the channel and nothing
 * is in flight for it, as {@link BatchWriter} writes only then, so nothing can overtake anything.
 *
 * <p>One instance per io_uring event loop, registered with the loop as an I/O handle of its own
 * (Netty routes its completions here by the slot number carried in each submission); used on
 * that loop only.
 */
public final class UringWriter implements IoUringIoHandle {
    private static final byte IORING_OP_WRITEV = 2;
    private static final byte IORING_OP_ASYNC_CANCEL = 14;
    private static final int EAGAIN = 11;
    /** Completion data of a cancel request (slots are 0 to {@link #MAX_SLOTS} - 1). */
    private static final long NO_SLOT = Short.MAX_VALUE;
    /**
     * iovecs of a slot at first; a slot grows to a longer batch's length, up to {@link
     * Limits#IOV_MAX} per submission (a longer batch goes in several, one after the other).
     */
    static final int IOVECS = 16;
    /** Batches in flight at most per loop (the slot number is the submission's 16-bit data). */
    static final int MAX_SLOTS = Short.MAX_VALUE;

    private static final FastThreadLocal<UringWriter> PER_THREAD = new FastThreadLocal<>() {
        @Override
        protected UringWriter initialValue() {
            return new UringWriter();
        }

        @Override
        protected void onRemoval(UringWriter writer) {
            writer.close();
        }
    };

    /**
     * One connection's batch in flight: its frames (retained; the trailer owned), submitted in parts
     * of at most {@link Limits#IOV_MAX} iovecs, one part in flight at a time.
     */
    private static final class Slot {
        int iovecs = IOVECS;
        IovArray iov = new IovArray(IOVECS);
        ByteBuf[] frames = new ByteBuf[IOVECS];
        int count;
        /** The part in flight: frames {@code [chunkFrom, next)}, {@code bytes} long. */
        int chunkFrom;

        int next;
        long bytes;
        long userData;
        UringGate gate;
    }

    private IoRegistration registration;
    private boolean unusable;
    private boolean closed;
    private Slot[] slots = new Slot[16];
    private int[] free = new int[16];
    private int freeCount;
    private int used;
    private long submissions;

    private UringWriter() {}

    /**
     * The writer of the calling thread's io_uring loop, registered with it on first use; null when
     * {@code loop} is not an io_uring loop or the registration failed. Call on {@code loop}.
     */
    static UringWriter ofThisLoop(EventLoop loop) {
        final UringWriter writer = PER_THREAD.get();
        return writer.register(loop) ? writer : null;
    }

    private boolean register(EventLoop loop) {
        if (registration != null) {
            return registration.isValid() && !closed;
        }
        if (unusable) {
            return false;
        }
        if (!(loop instanceof IoEventLoop io) || !io.inEventLoop() || !io.isCompatible(UringWriter.class)) {
            unusable = true;
            return false;
        }
        // From the loop's own thread the registration is made at once.
        final Future<IoRegistration> registered = io.register(this);
        if (!registered.isDone() || !registered.isSuccess()) {
            unusable = true;
            return false;
        }
        registration = registered.getNow();
        return true;
    }

    /**
     * Submits {@code ticks[0..count)} ({@link BatchWriter} variant) and {@code trailer} (nullable)
     * for {@code gate}'s socket if Netty holds no bytes for it and nothing is in flight: one {@code
     * writev} of up to {@link Limits#IOV_MAX} frames, the next once it completed. The ticks are not
     * released.
     *
     * @return false when nothing was written because the channel must be written through its
     *     pipeline now; then the trailer is still the caller's (else ownership passed)
     */
    boolean write(UringGate gate, EncodedTick[] ticks, int count, int variant, ByteBuf trailer) {
        final Channel channel = gate.channel();
        final ChannelOutboundBuffer netty = channel.unsafe().outboundBuffer();
        if (netty == null || netty.totalPendingWriteBytes() != 0 || gate.busy() || closed || !registration.isValid()) {
            return false;
        }
        final int id = takeSlot();
        if (id < 0) {
            return false;
        }
        final Slot s = slots[id];
        final int items = trailer == null ? count : count + 1;
        if (items > s.frames.length) {
            s.frames = new ByteBuf[Math.max(items, s.frames.length * 2)];
        }
        final int iovecs = Math.min(Limits.IOV_MAX, items);
        if (iovecs > s.iovecs) {
            s.iov.release();
            s.iovecs = Math.min(Limits.IOV_MAX, Math.max(iovecs, s.iovecs * 2));
            s.iov = new IovArray(s.iovecs);
        }
        for (int i = 0; i < count; i++) {
            s.frames[i] = BatchWriter.frame(ticks[i], variant).retain();
        }
        if (trailer != null) {
            s.frames[count] = trailer;
        }
        s.count = items;
        s.next = 0;
        s.gate = gate;
        if (!submitNext(s, id)) {
            // Not addressable as iovecs (never for the engine's pooled direct frames): the pipeline.
            for (int i = 0; i < count; i++) {
                s.frames[i].release();
            }
            Arrays.fill(s.frames, 0, items, null);
            s.count = 0;
            s.gate = null;
            freeSlot(id);
            return false;
        }
        gate.submitted(id);
        return true;
    }

    /**
     * Submits the slot's frames from {@code next} on, as many as one {@code writev} takes.
     *
     * @return false when not even the first of them could be added as an iovec
     */
    private boolean submitNext(Slot s, int id) {
        final IovArray iov = s.iov;
        iov.clear();
        iov.maxCount(s.iovecs);
        int i = s.next;
        while (i < s.count) {
            final ByteBuf frame = s.frames[i];
            if (!iov.add(frame, frame.readerIndex(), frame.readableBytes())) {
                break;
            }
            i++;
        }
        if (i == s.next) {
            return false;
        }
        s.chunkFrom = s.next;
        s.next = i;
        s.bytes = iov.size();
        s.userData = registration.submit(new IoUringIoOps(
                IORING_OP_WRITEV,
                (byte) 0,
                (short) 0,
                s.gate.fd(),
                0L,
                iov.memoryAddress(0),
                iov.count(),
                0,
                id,
                (short) 0,
                (short) 0,
                0,
                0L));
        submissions++;
        return true;
    }

    /** Asks the kernel to give up the batch in {@code slot} (its connection is closing). */
    void cancel(int slot) {
        if (closed || !registration.isValid()) {
            return;
        }
        registration.submit(new IoUringIoOps(
                IORING_OP_ASYNC_CANCEL,
                (byte) 0,
                (short) 0,
                -1,
                0L,
                slots[slot].userData,
                0,
                0,
                NO_SLOT,
                (short) 0,
                (short) 0,
                0,
                0L));
    }

    @Override
    public void handle(IoRegistration registered, IoEvent event) {
        final IoUringIoEvent completion = (IoUringIoEvent) event;
        if (completion.opcode() != IORING_OP_WRITEV || completion.userData() == NO_SLOT) {
            return; // a cancel request's own completion
        }
        final int id = (int) completion.userData();
        if (closed || id >= slots.length || slots[id] == null || slots[id].gate == null) {
            return; // the loop is going and released everything already
        }
        final Slot s = slots[id];
        final UringGate gate = s.gate;
        final int res = completion.res();
        if (res < 0 && res != -EAGAIN) {
            // The peer is gone (EPIPE, ECONNRESET) or the write was cancelled: what Netty's own
            // write would do, quietly.
            releaseFrames(s);
            freeSlot(id);
            gate.completed(null, 0);
            gate.channel().close();
            return;
        }
        int from = s.chunkFrom;
        long skip = Math.max(res, 0);
        if (res == s.bytes) {
            if (s.next == s.count) {
                releaseFrames(s); // the whole batch is written
                freeSlot(id);
                gate.completed(null, 0);
                return;
            }
            if (gate.channel().isOpen() && submitNext(s, id)) {
                return; // the batch's next part is in flight, the gate still shut
            }
            from = s.next;
            skip = 0;
        }
        // What the kernel did not take (none of it on EAGAIN) and what was not yet submitted, in
        // order, through the pipeline ahead of everything the gate held.
        final ByteBuf[] rest = new ByteBuf[s.count - from];
        int restCount = 0;
        for (int i = from; i < s.count; i++) {
            final ByteBuf frame = s.frames[i];
            final int length = frame.readableBytes();
            if (skip >= length) {
                skip -= length;
                continue;
            }
            rest[restCount++] = skip == 0
                    ? frame.retainedDuplicate()
                    : frame.retainedSlice(frame.readerIndex() + (int) skip, length - (int) skip);
            skip = 0;
        }
        releaseFrames(s);
        freeSlot(id);
        gate.completed(rest, restCount);
    }

    /** Batches submitted so far (tests and benchmarks check the path they exercise). */
    public long submissions() {
        return submissions;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // The loop is going: what is still in flight will not be completed to us.
        for (Slot s : slots) {
            if (s != null) {
                releaseFrames(s);
                s.iov.release();
            }
        }
        if (registration != null && registration.isValid()) {
            registration.cancel();
        }
    }

    private int takeSlot() {
        if (freeCount > 0) {
            used++;
            return free[--freeCount];
        }
        final int id = used + freeCount;
        if (id >= MAX_SLOTS) {
            return -1;
        }
        if (id == slots.length) {
            slots = Arrays.copyOf(slots, Math.min(MAX_SLOTS, slots.length * 2));
            free = Arrays.copyOf(free, slots.length);
        }
        slots[id] = new Slot();
        used++;
        return id;
    }

    private void freeSlot(int id) {
        used--;
        free[freeCount++] = id;
    }

    private static void releaseFrames(Slot s) {
        for (int i = 0; i < s.count; i++) {
            s.frames[i].release();
            s.frames[i] = null;
        }
        s.count = 0;
        s.gate = null;
    }
}
