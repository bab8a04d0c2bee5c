package com.github.connectd.pluginhost;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

class DataCodecTest {
    private static Object roundTrip(Object value, Schema schema) {
        return DataCodec.toJava(DataCodec.toProto(value), schema);
    }

    @Test
    void schemaRoundTripKeepsEverything() {
        Schema address = SchemaBuilder.struct().name("Address").version(3).doc("where")
                .field("city", Schema.STRING_SCHEMA)
                .field("zip", SchemaBuilder.string().optional().defaultValue("00000").build())
                .build();
        Schema s = SchemaBuilder.struct().name("com.example.Order").optional()
                .parameter("p", "v")
                .field("id", Schema.INT64_SCHEMA)
                .field("price", Decimal.schema(2))
                .field("day", Date.SCHEMA)
                .field("at", Timestamp.builder().optional().build())
                .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
                .field("counts", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).optional().build())
                .field("address", address)
                .field("small", Schema.INT8_SCHEMA)
                .field("raw", Schema.OPTIONAL_BYTES_SCHEMA)
                .build();
        assertEquals(s, DataCodec.toSchema(DataCodec.toProto(s)));
    }

    @Test
    void structValueRoundTrip() {
        Schema inner = SchemaBuilder.struct().field("n", Schema.INT16_SCHEMA).build();
        Schema s = SchemaBuilder.struct()
                .field("price", Decimal.schema(2))
                .field("day", Date.SCHEMA)
                .field("f", Schema.FLOAT32_SCHEMA)
                .field("d", Schema.FLOAT64_SCHEMA)
                .field("b", Schema.BOOLEAN_SCHEMA)
                .field("list", SchemaBuilder.array(inner).build())
                .field("map", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA).build())
                .field("none", Schema.OPTIONAL_STRING_SCHEMA)
                .build();
        Map<Integer, String> m = new LinkedHashMap<>();
        m.put(1, "one");
        m.put(2, null);
        Struct v = new Struct(s)
                .put("price", new BigDecimal("-12.34"))
                .put("day", new java.util.Date(86_400_000L * 19_000))
                .put("f", 1.5f)
                .put("d", 2.25)
                .put("b", true)
                .put("list", List.of(new Struct(inner).put("n", (short) 7)))
                .put("map", m);
        Struct back = (Struct) roundTrip(v, s);
        back.validate();
        assertEquals(v, back);
    }

    @Test
    void schemalessValuesKeepTheirJavaTypes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("byte", (byte) 1);
        m.put("short", (short) 2);
        m.put("int", 3);
        m.put("long", 4L);
        m.put("list", Arrays.asList("a", null));
        m.put("nested", Map.of("k", 1.0));
        assertEquals(m, roundTrip(m, null));
        assertArrayEquals(new byte[] {1, 2}, (byte[]) roundTrip(java.nio.ByteBuffer.wrap(new byte[] {1, 2}), null));
        assertNull(roundTrip(null, null));
    }

    @Test
    void badInputIsADataException() {
        assertThrows(DataException.class, () -> DataCodec.toProto(new Object()));
        Schema s = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).build();
        assertThrows(DataException.class, () -> roundTrip(new Struct(s).put("a", 1), null), "a struct needs its schema");
        assertThrows(DataException.class, () -> DataCodec.lookup(List.of(), 1));
    }
}
