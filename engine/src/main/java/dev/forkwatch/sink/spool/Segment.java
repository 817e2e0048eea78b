package dev.forkwatch.sink.spool;

import java.util.OptionalLong;
import java.util.regex.Pattern;

/** Segment file names: {@code 00000000000000000001.seg}, numbered in write order. */
final class Segment {
    private static final Pattern NAME = Pattern.compile("\\d{20}\\.seg");

    private Segment() {
    }

    static String name(long segment) {
        return String.format("%020d.seg", segment);
    }

    static OptionalLong number(String fileName) {
        return NAME.matcher(fileName).matches() ? OptionalLong.of(Long.parseLong(fileName.substring(0, 20)))
                : OptionalLong.empty();
    }
}
