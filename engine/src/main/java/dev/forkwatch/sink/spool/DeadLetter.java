package dev.forkwatch.sink.spool;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forkwatch.alert.AlertJson;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code dead-letter.jsonl}: records given up on, one JSON object per line with the reason: {@code alert} for an
 * alert, {@code record} (the line in Text form) for a corrupt one. Each line is written wholly or not at all and
 * fdatasync'd before the record is advanced past.
 */
final class DeadLetter {
    static final String FILE = "dead-letter.jsonl";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final SpoolDir dir;

    DeadLetter(SpoolDir dir) {
        this.dir = dir;
    }

    void append(Record r, String reason, String time) throws IOException {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("dead_lettered_at", time);
        n.put("reason", reason);
        if (r.json() != null) {
            n.set("alert", MAPPER.readTree(r.json()));
        } else {
            n.put("record", r.raw());
        }
        byte[] line = (AlertJson.toJson(n) + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = dir.open(FILE, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            WholeLine.cutTornTail(ch); // a line a crash cut short: its record was not advanced past, so it comes again
            WholeLine.write(ch, ch.size(), line, true);
        }
    }

    Path path() {
        return dir.path().resolve(FILE);
    }
}
