# Coroutines streaming between two io_context threads (ringpipe_async_bench --sweep chunk --csv): GB/s
# against the chunk size, ringpipe against Asio's concurrent_channel with a 1 MiB pool of chunk buffers.
# Input: async-chunk.csv (table,contender,x,median,min,max,cpus).
set datafile separator ","
set terminal pngcairo size 800,480 font ",10" noenhanced
set output "async.png"
rows(file, who) = sprintf("< awk -F, '$2 == \"%s\"' %s", who, file)
set logscale xy 2
set grid
set key top left
set format x "%.0b%B"
set title "Coroutine to coroutine, 2 vCPUs: median GB/s (bars: min to max)"
set xlabel "chunk (bytes per operation)"
set ylabel "GB/s (1e9 bytes)"
plot for [who in "ringpipe channel ringpipe-zero-copy"] \
     rows("async-chunk.csv", who) using 3:4:5:6 with yerrorlines title who
