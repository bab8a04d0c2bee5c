package com.example.contextual;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * A converter that needs the record's headers, as schema registry converters do: it stores a
 * value's text and adds a header "tag" naming the value and the headers it was given
 * ("tag:abc;h=H:abc"); reading, it fails without that header and returns the text, "|" and
 * the tag. The calls without headers fail: Kafka Connect never makes them.
 */
public class TaggingConverter implements Converter {
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {}

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        throw new IllegalStateException("fromConnectData called without the record's headers");
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        throw new IllegalStateException("toConnectData called without the record's headers");
    }

    @Override
    public byte[] fromConnectData(String topic, Headers headers, Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        StringBuilder tag = new StringBuilder("tag:").append(value);
        for (Header h : headers) {
            tag.append(';').append(h.key()).append('=').append(h.value() == null ? "null" : new String(h.value(), StandardCharsets.UTF_8));
        }
        headers.add("tag", tag.toString().getBytes(StandardCharsets.UTF_8));
        return value.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public SchemaAndValue toConnectData(String topic, Headers headers, byte[] value) {
        if (value == null) {
            return SchemaAndValue.NULL;
        }
        Header tag = headers.lastHeader("tag");
        if (tag == null) {
            throw new DataException("no tag header");
        }
        return new SchemaAndValue(Schema.STRING_SCHEMA,
                new String(value, StandardCharsets.UTF_8) + "|" + new String(tag.value(), StandardCharsets.UTF_8));
    }
}
