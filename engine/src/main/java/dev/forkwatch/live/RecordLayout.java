package dev.forkwatch.live;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ring-buffer record layout of bpf/forkwatch.h ({@link RecordDecoder} reads records with it). The
 * constants below are the one Java copy of the C header; {@link #CONSTANTS} and {@link #STRUCTS} list them so
 * that RecordLayoutSyncTest can compare them with what the C compiler makes of the header.
 */
public final class RecordLayout {
    public static final int COMM_LEN = 16;
    public static final int FILENAME_LEN = 256;

    public static final int ARGS_LEN = 4096;
    public static final int PATH_LEN = 1024;
    public static final int PATH_DEPTH = 32;
    public static final int NAME_LEN = 256;
    public static final int ANCESTORS = 4;
    public static final int CGROUP_PATHS = 4;
    public static final int CGROUP_LEN = 512;
    public static final int CGROUP_DEPTH = 12;
    public static final int RECORD_MAX = 8192;

    public static final int REC_VFORK = 1;
    public static final int REC_VFORK_RETURN = 2;
    public static final int REC_EXEC = 3;
    public static final int REC_EXIT = 4;

    public static final int VIA_VFORK = 0;
    public static final int VIA_CLONE = 1;
    public static final int VIA_CLONE3 = 2;

    public static final int F_ARGS_TRUNCATED = 1;
    public static final int F_EXE_FROM_MEMFD = 2;
    public static final int F_EXE_DELETED = 4;

    public static final int FOLLOW_MAX = 16384;
    public static final int EXEC_MAX = 16;

    public static final int SET_RETURN_AT_SYSCALL_EXIT = 0;
    public static final int SET_NO_ARGS = 1;
    public static final int SET_MAX = 2;

    public static final int CNT_SENT = 0;
    public static final int CNT_LOST = 1;
    public static final int CNT_OVERFLOW = 2;
    public static final int CNT_MAX = 3;

    // struct fw_hdr
    static final int HDR_TYPE = 0;
    static final int HDR_SIZE = 4;
    static final int HDR_TS = 8;
    static final int HDR_LEN = 16;
    // struct fw_vfork
    static final int VFORK_PID = 16;
    static final int VFORK_PPID = 20;
    static final int VFORK_UID = 24;
    static final int VFORK_VIA = 28;
    static final int VFORK_COMM = 32;
    static final int VFORK_LOGIN_UID = 48;
    static final int VFORK_FLAGS = 52;
    static final int VFORK_EXE_LEN = 56;
    static final int VFORK_ARGS_LEN = 60;
    static final int VFORK_ANCESTORS_LEN = 64;
    static final int VFORK_CGROUPS_LEN = 68;
    static final int VFORK_LEN = 72;
    // struct fw_vfork_return
    static final int RET_PID = 16;
    static final int RET_CHILD_PID = 20;
    static final int RET_BLOCKED_NS = 24;
    static final int RET_LEN = 32;
    // struct fw_exec
    static final int EXEC_PID = 16;
    static final int EXEC_INDEX = 20;
    static final int EXEC_EUID = 24;
    static final int EXEC_FLAGS = 28;
    static final int EXEC_COMM = 32;
    static final int EXEC_FILENAME_LEN = 48;
    static final int EXEC_EXE_LEN = 52;
    static final int EXEC_ARGS_LEN = 56;
    static final int EXEC_LEN = 64;
    // struct fw_exit
    static final int EXIT_PID = 16;
    static final int EXIT_CODE = 20;
    static final int EXIT_LEN = 24;

    /** A C struct as the decoder sees it: field name to byte offset, and sizeof. */
    public record Struct(String name, Map<String, Integer> offsets, int size) {
    }

    /** Every #define of forkwatch.h, by name. */
    public static final Map<String, Integer> CONSTANTS = constants();

    /** Every struct of forkwatch.h; nested struct members (hdr) are listed by their own struct. */
    public static final List<Struct> STRUCTS = List.of(
            struct("fw_hdr", HDR_LEN, "type", HDR_TYPE, "size", HDR_SIZE, "ts", HDR_TS),
            struct("fw_vfork", VFORK_LEN, "hdr", 0, "pid", VFORK_PID, "ppid", VFORK_PPID, "uid", VFORK_UID,
                    "via", VFORK_VIA, "comm", VFORK_COMM, "login_uid", VFORK_LOGIN_UID, "flags", VFORK_FLAGS,
                    "exe_len", VFORK_EXE_LEN, "args_len", VFORK_ARGS_LEN, "ancestors_len", VFORK_ANCESTORS_LEN,
                    "cgroups_len", VFORK_CGROUPS_LEN),
            struct("fw_vfork_return", RET_LEN, "hdr", 0, "pid", RET_PID, "child_pid", RET_CHILD_PID,
                    "blocked_ns", RET_BLOCKED_NS),
            struct("fw_exec", EXEC_LEN, "hdr", 0, "pid", EXEC_PID, "exec_index", EXEC_INDEX, "euid", EXEC_EUID,
                    "flags", EXEC_FLAGS, "comm", EXEC_COMM, "filename_len", EXEC_FILENAME_LEN, "exe_len", EXEC_EXE_LEN,
                    "args_len", EXEC_ARGS_LEN),
            struct("fw_exit", EXIT_LEN, "hdr", 0, "pid", EXIT_PID, "exit_code", EXIT_CODE));

    private RecordLayout() {
    }

    private static Struct struct(String name, int size, Object... fields) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < fields.length; i += 2) {
            m.put((String) fields[i], (Integer) fields[i + 1]);
        }
        return new Struct(name, Map.copyOf(m), size);
    }

    private static Map<String, Integer> constants() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("FW_COMM_LEN", COMM_LEN);
        m.put("FW_FILENAME_LEN", FILENAME_LEN);
        m.put("FW_ARGS_LEN", ARGS_LEN);
        m.put("FW_PATH_LEN", PATH_LEN);
        m.put("FW_PATH_DEPTH", PATH_DEPTH);
        m.put("FW_NAME_LEN", NAME_LEN);
        m.put("FW_ANCESTORS", ANCESTORS);
        m.put("FW_CGROUP_PATHS", CGROUP_PATHS);
        m.put("FW_CGROUP_LEN", CGROUP_LEN);
        m.put("FW_CGROUP_DEPTH", CGROUP_DEPTH);
        m.put("FW_RECORD_MAX", RECORD_MAX);
        m.put("FW_F_ARGS_TRUNCATED", F_ARGS_TRUNCATED);
        m.put("FW_F_EXE_FROM_MEMFD", F_EXE_FROM_MEMFD);
        m.put("FW_F_EXE_DELETED", F_EXE_DELETED);
        m.put("FW_REC_VFORK", REC_VFORK);
        m.put("FW_REC_VFORK_RETURN", REC_VFORK_RETURN);
        m.put("FW_REC_EXEC", REC_EXEC);
        m.put("FW_REC_EXIT", REC_EXIT);
        m.put("FW_VIA_VFORK", VIA_VFORK);
        m.put("FW_VIA_CLONE", VIA_CLONE);
        m.put("FW_VIA_CLONE3", VIA_CLONE3);
        m.put("FW_FOLLOW_MAX", FOLLOW_MAX);
        m.put("FW_EXEC_MAX", EXEC_MAX);
        m.put("FW_SET_RETURN_AT_SYSCALL_EXIT", SET_RETURN_AT_SYSCALL_EXIT);
        m.put("FW_SET_NO_ARGS", SET_NO_ARGS);
        m.put("FW_SET_MAX", SET_MAX);
        m.put("FW_CNT_SENT", CNT_SENT);
        m.put("FW_CNT_LOST", CNT_LOST);
        m.put("FW_CNT_OVERFLOW", CNT_OVERFLOW);
        m.put("FW_CNT_MAX", CNT_MAX);
        return Map.copyOf(m);
    }
}
