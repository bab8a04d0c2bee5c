package com.example.contextual;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * A converter that exists only as a plugin: a string is stored reversed, with the configured
 * prefix; "boom" cannot be stored, and stored bytes "moob" cannot be read.
 */
public class ReverseConverter implements Converter {
    private String prefix = "";

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Object p = configs.get("prefix");
        prefix = (p == null ? "" : p.toString()) + (isKey ? "k:" : "");
    }

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        if ("boom".equals(value)) {
            throw new DataException("cannot store boom");
        }
        return (prefix + new StringBuilder(value.toString()).reverse()).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        if (value == null) {
            return SchemaAndValue.NULL;
        }
        String s = new String(value, StandardCharsets.UTF_8);
        if (s.equals("moob")) {
            throw new DataException("cannot read moob");
        }
        if (s.startsWith(prefix)) {
            s = s.substring(prefix.length());
        }
        return new SchemaAndValue(Schema.STRING_SCHEMA, new StringBuilder(s).reverse().toString());
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef().define("prefix", ConfigDef.Type.STRING, "", ConfigDef.Importance.LOW, "Stored before the value.");
    }
}
