package com.example.contextual;

import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * A transformation that exists only as a plugin: it upper-cases a string value and appends the
 * configured suffix; a value "boom" makes it throw, a value "drop" drops the record.
 */
public class ShoutValue<R extends ConnectRecord<R>> implements Transformation<R> {
    private String suffix = "";

    @Override
    public void configure(Map<String, ?> configs) {
        Object s = configs.get("suffix");
        suffix = s == null ? "" : s.toString();
    }

    @Override
    public R apply(R record) {
        if (!(record.value() instanceof String v)) {
            return record;
        }
        if (v.equals("boom")) {
            throw new DataException("cannot shout boom");
        }
        if (v.equals("drop")) {
            return null;
        }
        return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
                record.valueSchema(), v.toUpperCase() + suffix, record.timestamp(), record.headers());
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef().define("suffix", ConfigDef.Type.STRING, "", ConfigDef.Importance.LOW, "Appended to the value.");
    }

    @Override
    public void close() {}
}
