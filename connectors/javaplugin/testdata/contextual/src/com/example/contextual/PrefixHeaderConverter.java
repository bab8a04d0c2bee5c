package com.example.contextual;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;

/**
 * A header converter that exists only as a plugin, and a converter too (listed as both, as
 * Kafka's StringConverter is): a value is stored as the configured prefix ("H:" by default)
 * and its text; stored bytes with the prefix read back as the text after it, others as they
 * are. A header value "boom" cannot be stored, and a stored "poison" cannot be read. As a
 * header converter it must be configured with converter.type=header, as Kafka Connect does.
 */
public class PrefixHeaderConverter implements HeaderConverter, Converter, Versioned {
    private String prefix = "H:";

    @Override
    public String version() {
        return "2.0-test";
    }

    @Override
    public void configure(Map<String, ?> configs) {
        if (!"header".equals(configs.get("converter.type"))) {
            throw new IllegalStateException("configured as a header converter with converter.type " + configs.get("converter.type"));
        }
        Object p = configs.get("prefix");
        if (p != null) {
            prefix = p.toString();
        }
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Object p = configs.get("prefix");
        if (p != null) {
            prefix = p.toString();
        }
    }

    @Override
    public byte[] fromConnectHeader(String topic, String headerKey, Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        if ("boom".equals(value)) {
            throw new DataException("cannot store header " + headerKey + " boom");
        }
        return (prefix + value).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public SchemaAndValue toConnectHeader(String topic, String headerKey, byte[] value) {
        if (value == null) {
            return SchemaAndValue.NULL;
        }
        String s = new String(value, StandardCharsets.UTF_8);
        if (s.equals("poison")) {
            throw new DataException("cannot read header " + headerKey + " poison");
        }
        return new SchemaAndValue(Schema.STRING_SCHEMA, s.startsWith(prefix) ? s.substring(prefix.length()) : s);
    }

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        return fromConnectHeader(topic, "", schema, value);
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        return toConnectHeader(topic, "", value);
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef().define("prefix", ConfigDef.Type.STRING, "H:", ConfigDef.Importance.LOW, "Stored before each header value.");
    }

    @Override
    public void close() {}
}
