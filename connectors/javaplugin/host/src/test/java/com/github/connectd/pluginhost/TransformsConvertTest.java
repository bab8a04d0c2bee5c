package com.github.connectd.pluginhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.connectd.pluginhost.proto.ConvertBatch;
import com.github.connectd.pluginhost.proto.ConvertItem;
import com.github.connectd.pluginhost.proto.ConvertedBatch;
import com.github.connectd.pluginhost.proto.PluginType;
import com.github.connectd.pluginhost.proto.RawHeader;
import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.StringConverter;
import org.junit.jupiter.api.Test;

/** Converters and header converters as ConvertBatch runs them. */
class TransformsConvertTest {
    private static ByteString utf8(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    private static RawHeader raw(String key, String value) {
        return RawHeader.newBuilder().setKey(key).setValue(utf8(value)).build();
    }

    /** Adds a header "seen" listing the headers it was given; reads back what the last "seen" says. */
    static final class Seeing implements Converter {
        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {}

        @Override
        public byte[] fromConnectData(String topic, Schema schema, Object value) {
            throw new IllegalStateException("without headers");
        }

        @Override
        public byte[] fromConnectData(String topic, Headers headers, Schema schema, Object value) {
            if ("same".equals(value)) {
                return new byte[0]; // leaves the headers alone
            }
            StringBuilder seen = new StringBuilder();
            for (Header h : headers) {
                seen.append(h.key()).append(',');
            }
            headers.add("seen", seen.toString().getBytes(StandardCharsets.UTF_8));
            return value.toString().getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public SchemaAndValue toConnectData(String topic, byte[] value) {
            throw new IllegalStateException("without headers");
        }

        @Override
        public SchemaAndValue toConnectData(String topic, Headers headers, byte[] value) {
            Header seen = headers.lastHeader("seen");
            return new SchemaAndValue(Schema.STRING_SCHEMA, seen == null ? "none" : new String(seen.value(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aConverterIsGivenTheHeadersAndWhatItAddsComesBack() {
        ConvertedBatch out = Transforms.convert(new Seeing(), PluginType.PLUGIN_TYPE_CONVERTER, ConvertBatch.newBuilder()
                .addItems(ConvertItem.newBuilder().setTopic("t").setValue(DataCodec.toProto("x"))
                        .addHeaders(raw("a", "1")).addHeaders(RawHeader.newBuilder().setKey("n")))
                .addItems(ConvertItem.newBuilder().setTopic("t").setValue(DataCodec.toProto("same")))
                .build());
        assertFalse(out.getItems(0).hasFailure(), () -> out.getItems(0).getFailure().getStackTrace());
        assertTrue(out.getItems(0).getHeadersChanged());
        assertEquals(List.of(raw("a", "1"), RawHeader.newBuilder().setKey("n").build(), raw("seen", "a,n,")), out.getItems(0).getHeadersList());
        assertFalse(out.getItems(1).getHeadersChanged(), "a converter that adds nothing sends no headers back");
        assertEquals(0, out.getItems(1).getHeadersCount());

        ConvertedBatch back = Transforms.convert(new Seeing(), PluginType.PLUGIN_TYPE_CONVERTER, ConvertBatch.newBuilder().setToConnect(true)
                .addItems(ConvertItem.newBuilder().setTopic("t").setData(utf8("x")).addHeaders(raw("seen", "a,")))
                .addItems(ConvertItem.newBuilder().setTopic("t").setData(utf8("y")))
                .build());
        assertEquals("a,", back.getItems(0).getValue().getStringValue());
        assertEquals("none", back.getItems(1).getValue().getStringValue());
    }

    @Test
    void aClassThatIsBothIsUsedAsTheTypeItWasMadeAs() {
        // Kafka's StringConverter is a Converter and a HeaderConverter; configured as a header
        // converter it is given converter.type=header, as Kafka Connect configures one.
        StringConverter c = new StringConverter();
        Transforms.configure(c, PluginType.PLUGIN_TYPE_HEADER_CONVERTER, Map.of("converter.encoding", "UTF-16BE"), false);
        ConvertedBatch out = Transforms.convert(c, PluginType.PLUGIN_TYPE_HEADER_CONVERTER, ConvertBatch.newBuilder()
                .addItems(ConvertItem.newBuilder().setTopic("t").setHeaderKey("h").setValue(DataCodec.toProto("hi")))
                .build());
        assertEquals(ByteString.copyFrom("hi", StandardCharsets.UTF_16BE), out.getItems(0).getData());
        ConvertedBatch back = Transforms.convert(c, PluginType.PLUGIN_TYPE_HEADER_CONVERTER, ConvertBatch.newBuilder().setToConnect(true)
                .addItems(ConvertItem.newBuilder().setTopic("t").setHeaderKey("h").setData(out.getItems(0).getData()))
                .build());
        assertEquals("hi", back.getItems(0).getValue().getStringValue());
    }
}
