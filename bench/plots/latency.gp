# Round-trip distributions (the CDF of every round trip of every round): coroutines in one process
# (ringpipe_async_bench --csv: async.csv), blocking and spinning queues in one process
# (ringpipe_queue_bench --csv: queue.csv) and two processes, each side blocking or a coroutine
# (ringpipe_wake_latency --csv: wake-latency.csv). Rows of table "cdf": x the share, median the µs.
set datafile separator ","
set terminal pngcairo size 1500,480 font ",10" noenhanced
set output "latency.png"
rows(file, who) = sprintf("< awk -F, '$1 == \"cdf\" && $2 == \"%s\"' %s", who, file)
set multiplot layout 1,3 title "Round trips, 2 vCPUs: share of round trips at or below a time"
set logscale x 10
set grid
set key bottom right
set xlabel "round trip (µs)"
set ylabel "share"
set yrange [0:1]
set title "64-byte ping-pong, coroutines, one process"
plot for [who in "ringpipe socketpair channels"] rows("async.csv", who) using 4:3 with lines lw 2 title who
set title "one element each way, threads of one process"
plot for [who in "ringpipe-try ringpipe-blocking boost moodycamel moodycamel-circular reference"] \
     rows("queue.csv", who) using 4:3 with lines lw 2 title who
set title "1 byte each way, two processes (this-child)"
plot for [who in "blocking-blocking async-async blocking-async async-blocking"] \
     rows("wake-latency.csv", who) using 4:3 with lines lw 2 title who
unset multiplot
