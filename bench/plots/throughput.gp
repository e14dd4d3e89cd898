# Bytes between two threads (ringpipe_bench --sweep chunk / --sweep ring --csv): GB/s against the chunk each
# side moves per call, and against the ring's size. Lines: medians over the rounds; bars: min to max.
# Input: throughput-chunk.csv, throughput-ring.csv (table,contender,x,median,min,max,cpus).
set datafile separator ","
set terminal pngcairo size 1200,480 font ",10" noenhanced
set output "throughput.png"
rows(file, who) = sprintf("< awk -F, '$2 == \"%s\"' %s", who, file)
set multiplot layout 1,2 title "Two threads of one process, 2 vCPUs: median GB/s (bars: min to max over the rounds)"
set logscale xy 2
set grid
set key top left
set ylabel "GB/s (1e9 bytes)"
set format x "%.0b%B"
set title "against the chunk size (1 MiB ring or kernel buffer)"
set xlabel "chunk (bytes per call)"
plot for [who in "ringpipe ringpipe-zero-copy pipe socketpair ceiling"] \
     rows("throughput-chunk.csv", who) using 3:4:5:6 with yerrorlines title who
set title "against the ring size (64 KiB chunks)"
set xlabel "ring (bytes)"
plot for [who in "ringpipe ringpipe-zero-copy ceiling"] \
     rows("throughput-ring.csv", who) using 3:4:5:6 with yerrorlines title who
unset multiplot
