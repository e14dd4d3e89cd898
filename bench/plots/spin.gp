# The spin before sleeping, swept (ringpipe_spin_sweep --csv): what a blocking ping-pong's round trip
# gains and what it burns in CPU, and the same for a stream. Input: spin.csv beside this file.
# Columns: 1 spin_us, 2 rtt_median_us, 3 rtt_mean_us, 4 rtt_p99_us, 5 cpu_us_per_trip, 6 spun_share,
# 7 gb_per_s, 8 cpu_s_per_gb.
set datafile separator ","
set terminal pngcairo size 1100,460 font ",10" noenhanced
set output "spin.png"
set multiplot layout 1,2 title "Spin before sleeping (wait_options::spin): two threads of one process, 2 vCPUs"
set logscale x 2
set xlabel "spin (µs; 0 drawn at 0.25)"
set grid
set key top right
x(v) = (v == 0 ? 0.25 : v)
set ylabel "µs"
set y2label "waits the spin ended (%)"
set y2range [0:100]
set y2tics
set ytics nomirror
set title "1-byte blocking ping-pong"
plot "spin.csv" skip 1 using (x($1)):3 with linespoints title "round trip (mean)", \
     "" skip 1 using (x($1)):2 with linespoints title "round trip (median)", \
     "" skip 1 using (x($1)):5 with linespoints title "CPU per round trip", \
     "" skip 1 using (x($1)):($6*100) axes x1y2 with linespoints dashtype 2 title "waits the spin ended (right)"
set title "64 KiB chunks through a 1 MiB ring"
set ylabel "GB/s"
set y2label "CPU seconds per GB"
set yrange [0:*]
set y2range [0:*]
plot "spin.csv" skip 1 using (x($1)):7 with linespoints title "GB/s", \
     "" skip 1 using (x($1)):8 axes x1y2 with linespoints title "CPU seconds per GB (right)"
unset multiplot
