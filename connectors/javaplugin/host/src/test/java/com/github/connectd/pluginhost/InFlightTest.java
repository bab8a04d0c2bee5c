package com.github.connectd.pluginhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class InFlightTest {
    private static List<SourceRecord> records(int n) {
        List<SourceRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new SourceRecord(null, null, "t", null, "r" + i));
        }
        return out;
    }

    @Test
    void inOrderAcksEmptyTheWindowAcrossGrowth() {
        SourceTaskRunner.InFlight f = new SourceTaskRunner.InFlight();
        List<SourceRecord> rs = records(5000); // more than the first ring holds
        for (int i = 0; i < rs.size(); i++) {
            f.add(i + 1, rs.get(i));
        }
        assertEquals(5000, f.size());
        for (int i = 0; i < rs.size(); i++) {
            assertSame(rs.get(i), f.remove(i + 1));
        }
        assertEquals(0, f.size());
    }

    @Test
    void outOfOrderTwiceAndUnknownAcks() {
        SourceTaskRunner.InFlight f = new SourceTaskRunner.InFlight();
        List<SourceRecord> rs = records(3000);
        for (int i = 0; i < 2000; i++) {
            f.add(101 + i, rs.get(i)); // seqs start wherever the task's numbering is
        }
        assertNull(f.remove(100), "before the window");
        assertNull(f.remove(2101), "after the window");
        assertSame(rs.get(1), f.remove(102));
        assertNull(f.remove(102), "acknowledged twice");
        assertEquals(2000, f.size(), "the oldest is still kept");
        assertSame(rs.get(0), f.remove(101));
        assertEquals(1998, f.size(), "the window moved past both");
        // Wraps around the ring while growing: keep adding behind the moving start.
        for (int i = 2000; i < 3000; i++) {
            f.add(101 + i, rs.get(i));
        }
        for (int i = 2999; i >= 2; i--) {
            assertSame(rs.get(i), f.remove(101 + i), "seq " + (101 + i));
        }
        assertEquals(0, f.size());
        assertThrows(IllegalStateException.class, () -> {
            f.add(5000, rs.get(0));
            f.add(5002, rs.get(1));
        }, "seqs are consecutive");
    }
}
