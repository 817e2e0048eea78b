package dev.forkwatch.live;

import com.sun.jna.Library;
import com.sun.jna.Pointer;

/**
 * The libbpf 1.1 calls forkwatch uses, bound with JNA to the system's {@code libbpf.so.1} (Debian package
 * libbpf1). Only calls present in libbpf 1.1 are declared. Calls returning a pointer return null on error with
 * errno set ({@link com.sun.jna.Native#getLastError()}); int calls return a negative errno. The ring buffer is
 * read from its memory mapping ({@link RingReader}), not through libbpf's ring_buffer API.
 */
interface LibBpf extends Library {
    String SONAME = "libbpf.so.1";

    Pointer bpf_object__open_mem(Pointer objBuf, long objBufSize, Pointer opts);

    int bpf_object__load(Pointer obj);

    void bpf_object__close(Pointer obj);

    Pointer bpf_object__find_program_by_name(Pointer obj, String name);

    int bpf_program__set_autoload(Pointer prog, boolean autoload);

    Pointer bpf_program__attach(Pointer prog);

    int bpf_link__destroy(Pointer link);

    Pointer bpf_object__find_map_by_name(Pointer obj, String name);

    int bpf_map__set_max_entries(Pointer map, int maxEntries);

    int bpf_map__fd(Pointer map);

    int bpf_map_lookup_elem(int fd, Pointer key, Pointer value);

    int bpf_map_update_elem(int fd, Pointer key, Pointer value, long flags);

    int libbpf_num_possible_cpus();

    int libbpf_strerror(int err, byte[] buf, long size);
}
