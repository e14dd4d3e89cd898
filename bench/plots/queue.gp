# Queues per element. Left: 8-byte elements through queues of 8192, threads unpinned
# (ringpipe_queue_bench --csv: queue.csv). Middle and right: int elements as rigtorp's SPSCQueue benchmark
# runs them, threads pinned to two CPUs, queues of 8192 and 10 million, the benchmark built at -O2 and at
# -O3 (ringpipe_queue_pinned_O2/_O3 --csv). Bars: medians over the rounds.
set datafile separator ","
set terminal pngcairo size 1500,500 font ",10" noenhanced
set output "queue.png"
set multiplot layout 1,3 title "Queues per element, 2 vCPUs: medians over the rounds"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid y
set xtics rotate by -30 left
set logscale y 10
set key top right
set title "throughput, 8-byte elements, queue of 8192, unpinned"
set ylabel "M elements/s"
plot "< awk -F, '$1 == \"throughput\"' queue.csv" using ($4/1000):xtic(2) notitle
# One row per contender: O2 at 8192, O3 at 8192, O2 at 10M, O3 at 10M.
pinned(table) = sprintf("< awk -F, -v t=%s 'FNR > 1 && $1 ~ \"^\" t { v[$2, $1, $3] = $4; if (!($2 in order)) { order[$2] = ++n; name[n] = $2 } } END { for (i = 1; i <= n; i++) { c = name[i]; print c \",\" v[c, t \"-O2\", 8192] \",\" v[c, t \"-O3\", 8192] \",\" v[c, t \"-O2\", 10000000] \",\" v[c, t \"-O3\", 10000000] } }' queue-pinned-O2.csv queue-pinned-O3.csv", table)
set title "throughput, int elements, pinned"
plot pinned("throughput") using ($2/1000):xtic(1) title "-O2, 8192", "" using ($3/1000) title "-O3, 8192", \
     "" using ($4/1000) title "-O2, 10M", "" using ($5/1000) title "-O3, 10M"
set title "round trip, int elements, pinned"
set ylabel "µs"
unset logscale y
set yrange [0:*]
plot pinned("round-trip") using 2:xtic(1) title "-O2, 8192", "" using 3 title "-O3, 8192", \
     "" using 4 title "-O2, 10M", "" using 5 title "-O3, 10M"
unset multiplot
