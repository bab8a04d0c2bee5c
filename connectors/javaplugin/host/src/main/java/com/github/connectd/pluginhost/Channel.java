package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.Frame;
import com.github.connectd.pluginhost.proto.HostRequest;
import com.github.connectd.pluginhost.proto.HostResponse;
import com.github.connectd.pluginhost.proto.Request;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * The host's end of the channel to its worker: length-delimited Frames in on one stream and out
 * on the other. Any thread may send; one thread reads ({@link #run}).
 */
final class Channel {
    /** How long a plugin waits for the worker to answer a HostRequest. */
    static final long HOST_REQUEST_TIMEOUT_MS = 120_000;

    private final InputStream in;
    private final OutputStream out;
    private final AtomicLong nextId = new AtomicLong();
    private final Map<Long, CompletableFuture<HostResponse>> pending = new ConcurrentHashMap<>();

    Channel(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    /** Writes one frame; frames from concurrent senders never interleave. */
    void send(Frame f) {
        synchronized (out) {
            try {
                f.writeDelimitedTo(out);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("write to the worker", e);
            }
        }
    }

    /** Asks the worker and waits for its answer; a worker's error is a ConnectException. */
    HostResponse call(HostRequest.Builder req) throws InterruptedException {
        long id = nextId.incrementAndGet();
        CompletableFuture<HostResponse> f = new CompletableFuture<>();
        pending.put(id, f);
        try {
            send(Frame.newBuilder().setHostRequest(req.setId(id)).build());
            HostResponse r = f.get(HOST_REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            if (!r.getError().isEmpty()) {
                throw new ConnectException(r.getError());
            }
            return r;
        } catch (ExecutionException e) {
            throw new ConnectException("worker request failed", e.getCause());
        } catch (TimeoutException e) {
            throw new ConnectException("the worker did not answer within " + HOST_REQUEST_TIMEOUT_MS + " ms");
        } finally {
            pending.remove(id);
        }
    }

    /** Reads frames until the worker closes its end, handing each Request to onRequest. */
    void run(Consumer<Request> onRequest) throws IOException {
        while (true) {
            Frame f = Frame.parseDelimitedFrom(in);
            if (f == null) {
                return;
            }
            switch (f.getKindCase()) {
                case REQUEST -> onRequest.accept(f.getRequest());
                case HOST_RESPONSE -> {
                    CompletableFuture<HostResponse> p = pending.get(f.getHostResponse().getId());
                    if (p != null) {
                        p.complete(f.getHostResponse());
                    }
                }
                default -> System.err.println("connectd plugin host: ignoring an unexpected frame " + f.getKindCase());
            }
        }
    }
}
