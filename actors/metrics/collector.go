package metrics

import (
	"math"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metric is one exported series family.
type metric struct {
	desc *prometheus.Desc
	kind prometheus.ValueType
}

var (
	connectorLabels = []string{"connector"}
	taskLabels      = []string{"connector", "task"}
	all             []metric // every family, for Describe
)

// def declares a family: a counter when Kafka's name ends in "-total", else a gauge.
func def(group, name, help string, labels ...string) metric {
	kind := prometheus.GaugeValue
	if len(name) > 6 && name[len(name)-6:] == "-total" {
		kind = prometheus.CounterValue
	}
	m := metric{prometheus.NewDesc(Name(group, name), help, labels, nil), kind}
	all = append(all, m)
	return m
}

// info declares a family of a string-valued Kafka metric.
func info(group, name, help string, labels ...string) metric {
	m := metric{prometheus.NewDesc(InfoName(group, name), help, append(labels, LabelName(name)), nil), prometheus.GaugeValue}
	all = append(all, m)
	return m
}

// The families, with Kafka Connect's help texts where they apply here.
var (
	workerConnectorCount = def(WorkerGroup, "connector-count", "The number of connectors run in this worker.")
	workerTaskCount      = def(WorkerGroup, "task-count", "The number of tasks run in this worker.")

	connectorStartupAttempts = def(WorkerGroup, "connector-startup-attempts-total", "The total number of connector startups that this worker has attempted.")
	connectorStartupSuccess  = def(WorkerGroup, "connector-startup-success-total", "The total number of connector starts that succeeded.")
	connectorStartupSuccessP = def(WorkerGroup, "connector-startup-success-percentage", "The average percentage of this worker's connectors starts that succeeded.")
	connectorStartupFailure  = def(WorkerGroup, "connector-startup-failure-total", "The total number of connector starts that failed.")
	connectorStartupFailureP = def(WorkerGroup, "connector-startup-failure-percentage", "The average percentage of this worker's connectors starts that failed.")
	taskStartupAttempts      = def(WorkerGroup, "task-startup-attempts-total", "The total number of task startups that this worker has attempted.")
	taskStartupSuccess       = def(WorkerGroup, "task-startup-success-total", "The total number of task starts that succeeded.")
	taskStartupSuccessP      = def(WorkerGroup, "task-startup-success-percentage", "The average percentage of this worker's tasks starts that succeeded.")
	taskStartupFailure       = def(WorkerGroup, "task-startup-failure-total", "The total number of task starts that failed.")
	taskStartupFailureP      = def(WorkerGroup, "task-startup-failure-percentage", "The average percentage of this worker's tasks starts that failed.")

	// Per connector, the states of its tasks on this worker.
	connectorTotalTasks = def(WorkerGroup, "connector-total-task-count", "The number of tasks of the connector on the worker.", connectorLabels...)
	connectorTasksIn    = map[string]metric{
		running:      def(WorkerGroup, "connector-running-task-count", "The number of running tasks of the connector on the worker.", connectorLabels...),
		paused:       def(WorkerGroup, "connector-paused-task-count", "The number of paused tasks of the connector on the worker.", connectorLabels...),
		"failed":     def(WorkerGroup, "connector-failed-task-count", "The number of failed tasks of the connector on the worker.", connectorLabels...),
		unassigned:   def(WorkerGroup, "connector-unassigned-task-count", "The number of unassigned tasks of the connector on the worker.", connectorLabels...),
		"destroyed":  def(WorkerGroup, "connector-destroyed-task-count", "The number of destroyed tasks of the connector on the worker.", connectorLabels...),
		"restarting": def(WorkerGroup, "connector-restarting-task-count", "The number of restarting tasks of the connector on the worker.", connectorLabels...),
	}

	// A rebalance here is the worker group's JoinGroup and SyncGroup round, as in Kafka
	// Connect; but connectd's workers keep running their connectors and tasks through it,
	// and only the grains whose owner changed move afterwards.
	rebalanceEpoch       = def(WorkerRebalanceGroup, "epoch", "The epoch or generation number of this worker.")
	rebalanceCompleted   = def(WorkerRebalanceGroup, "completed-rebalances-total", "The total number of rebalances completed by this worker.")
	rebalanceRebalancing = def(WorkerRebalanceGroup, "rebalancing", "Whether this worker is currently rebalancing.")
	rebalanceMax         = def(WorkerRebalanceGroup, "rebalance-max-time-ms", "The maximum time in milliseconds spent by this worker to rebalance.")
	rebalanceAvg         = def(WorkerRebalanceGroup, "rebalance-avg-time-ms", "The average time in milliseconds spent by this worker to rebalance.")
	rebalanceSinceLast   = def(WorkerRebalanceGroup, "time-since-last-rebalance-ms", "The time in milliseconds since this worker completed the most recent rebalance.")

	connectorStatus  = info(ConnectorGroup, "status", "The status of the connector.", connectorLabels...)
	connectorType    = info(ConnectorGroup, "connector-type", "The type of the connector. One of 'source' or 'sink'.", connectorLabels...)
	connectorClass   = info(ConnectorGroup, "connector-class", "The name of the connector class.", connectorLabels...)
	connectorVersion = info(ConnectorGroup, "connector-version", "The version of the connector class, as reported by the connector.", connectorLabels...)

	taskStatus        = info(TaskGroup, "status", "The status of the connector task.", taskLabels...)
	taskRunningRatio  = def(TaskGroup, "running-ratio", "The fraction of time this task has spent in the running state.", taskLabels...)
	taskPauseRatio    = def(TaskGroup, "pause-ratio", "The fraction of time this task has spent in the pause state.", taskLabels...)
	taskCommitMax     = def(TaskGroup, "offset-commit-max-time-ms", "The maximum time in milliseconds taken by this task to commit offsets.", taskLabels...)
	taskCommitAvg     = def(TaskGroup, "offset-commit-avg-time-ms", "The average time in milliseconds taken by this task to commit offsets.", taskLabels...)
	taskBatchSizeMax  = def(TaskGroup, "batch-size-max", "The maximum size of the batches processed by the connector.", taskLabels...)
	taskBatchSizeAvg  = def(TaskGroup, "batch-size-avg", "The average size of the batches processed by the connector.", taskLabels...)
	taskCommitFailure = def(TaskGroup, "offset-commit-failure-percentage", "The average percentage of this task's offset commit attempts that failed.", taskLabels...)
	taskCommitSuccess = def(TaskGroup, "offset-commit-success-percentage", "The average percentage of this task's offset commit attempts that succeeded.", taskLabels...)

	sourcePollRate     = def(SourceTaskGroup, "source-record-poll-rate", "The average per-second number of records produced/polled (before transformation) by this task.", taskLabels...)
	sourcePollTotal    = def(SourceTaskGroup, "source-record-poll-total", "The total number of records produced/polled (before transformation) by this task.", taskLabels...)
	sourceWriteRate    = def(SourceTaskGroup, "source-record-write-rate", "The average per-second number of records output from the transformations and written to Kafka for this task.", taskLabels...)
	sourceWriteTotal   = def(SourceTaskGroup, "source-record-write-total", "The number of records output from the transformations and written to Kafka for this task, since the task was last restarted.", taskLabels...)
	sourcePollMax      = def(SourceTaskGroup, "poll-batch-max-time-ms", "The maximum time in milliseconds taken by this task to poll for a batch of source records.", taskLabels...)
	sourcePollAvg      = def(SourceTaskGroup, "poll-batch-avg-time-ms", "The average time in milliseconds taken by this task to poll for a batch of source records.", taskLabels...)
	sourceActive       = def(SourceTaskGroup, "source-record-active-count", "The number of records that have been produced by this task but not yet completely written to Kafka.", taskLabels...)
	sourceActiveMax    = def(SourceTaskGroup, "source-record-active-count-max", "The maximum number of records that have been produced by this task but not yet completely written to Kafka.", taskLabels...)
	sourceActiveAvg    = def(SourceTaskGroup, "source-record-active-count-avg", "The average number of records that have been produced by this task but not yet completely written to Kafka.", taskLabels...)
	sinkReadRate       = def(SinkTaskGroup, "sink-record-read-rate", "The average per-second number of records read from Kafka for this task, before transformations are applied.", taskLabels...)
	sinkReadTotal      = def(SinkTaskGroup, "sink-record-read-total", "The total number of records read from Kafka by this task since it was last restarted.", taskLabels...)
	sinkSendRate       = def(SinkTaskGroup, "sink-record-send-rate", "The average per-second number of records output from the transformations and sent/put to this task.", taskLabels...)
	sinkSendTotal      = def(SinkTaskGroup, "sink-record-send-total", "The total number of records output from the transformations and sent/put to this task since it was last restarted.", taskLabels...)
	sinkPartitions     = def(SinkTaskGroup, "partition-count", "The number of topic partitions assigned to this task.", taskLabels...)
	sinkCommitSeq      = def(SinkTaskGroup, "offset-commit-seq-no", "The current sequence number for offset commits.", taskLabels...)
	sinkCommitRate     = def(SinkTaskGroup, "offset-commit-completion-rate", "The average per-second number of offset commit completions that were completed successfully.", taskLabels...)
	sinkCommitTotal    = def(SinkTaskGroup, "offset-commit-completion-total", "The total number of offset commit completions that were completed successfully.", taskLabels...)
	sinkPutMax         = def(SinkTaskGroup, "put-batch-max-time-ms", "The maximum time taken by this task to put a batch of sinks records.", taskLabels...)
	sinkPutAvg         = def(SinkTaskGroup, "put-batch-avg-time-ms", "The average time taken by this task to put a batch of sinks records.", taskLabels...)
	sinkActive         = def(SinkTaskGroup, "sink-record-active-count", "The number of records that have been read from Kafka but not yet completely committed/flushed/acknowledged by the sink task.", taskLabels...)
	sinkActiveMax      = def(SinkTaskGroup, "sink-record-active-count-max", "The maximum number of records that have been read from Kafka but not yet completely committed/flushed/acknowledged by the sink task.", taskLabels...)
	sinkActiveAvg      = def(SinkTaskGroup, "sink-record-active-count-avg", "The average number of records that have been read from Kafka but not yet completely committed/flushed/acknowledged by the sink task.", taskLabels...)
	errorFailures      = def(TaskErrorGroup, "total-record-failures", "The number of record processing failures in this task.", taskLabels...)
	errorErrors        = def(TaskErrorGroup, "total-record-errors", "The number of record processing errors in this task.", taskLabels...)
	errorSkipped       = def(TaskErrorGroup, "total-records-skipped", "The number of records skipped due to errors.", taskLabels...)
	errorRetries       = def(TaskErrorGroup, "total-retries", "The number of operations retried.", taskLabels...)
	errorLogged        = def(TaskErrorGroup, "total-errors-logged", "The number of errors that were logged.", taskLabels...)
	errorDLQRequests   = def(TaskErrorGroup, "deadletterqueue-produce-requests", "The number of attempted writes to the dead letter queue.", taskLabels...)
	errorDLQFailures   = def(TaskErrorGroup, "deadletterqueue-produce-failures", "The number of failed writes to the dead letter queue.", taskLabels...)
	errorLastTimestamp = def(TaskErrorGroup, "last-error-timestamp", "The epoch timestamp when this task last encountered an error.", taskLabels...)
)

// collector exports a Metrics' values at each scrape.
type collector struct{ m *Metrics }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range all {
		ch <- m.desc
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	m, now := c.m, c.m.cfg.Now()
	emit := func(f metric, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(f.desc, f.kind, v, labels...)
	}
	connectors, tasks := m.snapshot()
	sort.Slice(tasks, func(i, j int) bool {
		if tasks[i].connector != tasks[j].connector {
			return tasks[i].connector < tasks[j].connector
		}
		return tasks[i].task < tasks[j].task
	})

	emit(workerConnectorCount, float64(len(connectors)))
	emit(workerTaskCount, float64(len(tasks)))
	for _, s := range []struct {
		st                                             *startups
		attempts, success, successP, failure, failureP metric
	}{
		{&m.connectorStartups, connectorStartupAttempts, connectorStartupSuccess, connectorStartupSuccessP, connectorStartupFailure, connectorStartupFailureP},
		{&m.taskStartups, taskStartupAttempts, taskStartupSuccess, taskStartupSuccessP, taskStartupFailure, taskStartupFailureP},
	} {
		emit(s.attempts, float64(s.st.attempts.Load()))
		emit(s.success, float64(s.st.successes.Load()))
		emit(s.failure, float64(s.st.failures.Load()))
		ok := s.st.results.frequency(now)
		if s.st.successes.Load()+s.st.failures.Load() == 0 {
			emit(s.successP, 0)
			emit(s.failureP, 0)
		} else {
			emit(s.successP, ok)
			emit(s.failureP, 1-ok)
		}
	}

	if rb := &m.rebalance; rb.seen.Load() {
		emit(rebalanceEpoch, float64(rb.epoch.Load()))
		emit(rebalanceCompleted, float64(rb.completed.Load()))
		rebalancing := 0.0
		if rb.rebalancing.Load() {
			rebalancing = 1
		}
		emit(rebalanceRebalancing, rebalancing)
		emit(rebalanceMax, rb.times.max(now))
		emit(rebalanceAvg, rb.times.avg(now))
		if last := rb.lastCompletedMilli.Load(); last > 0 {
			emit(rebalanceSinceLast, float64(now.UnixMilli()-last))
		} else {
			emit(rebalanceSinceLast, math.Inf(1)) // Kafka Connect's value before the first rebalance
		}
	}

	for _, cn := range connectors {
		emit(connectorStatus, 1, cn.name, *cn.state.Load())
		if i := cn.info.Load(); i != nil {
			emit(connectorType, 1, cn.name, i.kind)
			emit(connectorClass, 1, cn.name, i.class)
			emit(connectorVersion, 1, cn.name, i.version)
		}
	}

	// connect-worker-metrics per connector: the states of its tasks here, for every
	// connector that runs here or has tasks here.
	byConnector := map[string]map[string]int{}
	for _, cn := range connectors {
		byConnector[cn.name] = map[string]int{}
	}
	for _, t := range tasks {
		state, run, pause := t.ratios(now)
		counts := byConnector[t.connector]
		if counts == nil {
			counts = map[string]int{}
			byConnector[t.connector] = counts
		}
		counts[state]++
		c.task(emit, t, now, state, run, pause)
	}
	for name, counts := range byConnector {
		total := 0
		for state, f := range connectorTasksIn {
			emit(f, float64(counts[state]), name)
		}
		for _, n := range counts {
			total += n
		}
		emit(connectorTotalTasks, float64(total), name)
	}
}

func (c collector) task(emit func(metric, float64, ...string), t *Task, now time.Time, state string, run, pause float64) {
	l := []string{t.connector, t.task}
	emit(taskStatus, 1, t.connector, t.task, state)
	emit(taskRunningRatio, run, l...)
	emit(taskPauseRatio, pause, l...)
	emit(taskCommitMax, t.commitTime.max(now), l...)
	emit(taskCommitAvg, t.commitTime.avg(now), l...)
	emit(taskBatchSizeMax, t.batchSize.max(now), l...)
	emit(taskBatchSizeAvg, t.batchSize.avg(now), l...)
	ok := t.commitOK.avg(now)
	emit(taskCommitSuccess, ok, l...)
	emit(taskCommitFailure, 1-ok, l...)

	switch Kind(t.kind.Load()) {
	case SourceKind:
		emit(sourcePollTotal, float64(t.pollTotal.Load()), l...)
		emit(sourcePollRate, t.pollRate.rate(now), l...)
		emit(sourceWriteTotal, float64(t.writeTotal.Load()), l...)
		emit(sourceWriteRate, t.writeRate.rate(now), l...)
		emit(sourcePollMax, t.batchTime.max(now), l...)
		emit(sourcePollAvg, t.batchTime.avg(now), l...)
		emit(sourceActive, float64(t.active.Load()), l...)
		emit(sourceActiveMax, t.activeStat.max(now), l...)
		emit(sourceActiveAvg, t.activeStat.avg(now), l...)
	case SinkKind:
		emit(sinkReadTotal, float64(t.readTotal.Load()), l...)
		emit(sinkReadRate, t.readRate.rate(now), l...)
		emit(sinkSendTotal, float64(t.sendTotal.Load()), l...)
		emit(sinkSendRate, t.sendRate.rate(now), l...)
		emit(sinkPutMax, t.batchTime.max(now), l...)
		emit(sinkPutAvg, t.batchTime.avg(now), l...)
		emit(sinkPartitions, float64(t.partitions.Load()), l...)
		emit(sinkCommitSeq, float64(t.commitSeq.Load()), l...)
		emit(sinkCommitTotal, float64(t.commitCompleted.Load()), l...)
		emit(sinkCommitRate, t.commitRate.rate(now), l...)
		emit(sinkActive, float64(t.active.Load()), l...)
		emit(sinkActiveMax, t.activeStat.max(now), l...)
		emit(sinkActiveAvg, t.activeStat.avg(now), l...)
	}

	emit(errorFailures, float64(t.failures.Load()), l...)
	emit(errorErrors, float64(t.errs.Load()), l...)
	emit(errorSkipped, float64(t.skipped.Load()), l...)
	emit(errorRetries, float64(t.retries.Load()), l...)
	emit(errorLogged, float64(t.logged.Load()), l...)
	emit(errorDLQRequests, float64(t.dlqRequests.Load()), l...)
	emit(errorDLQFailures, float64(t.dlqFailures.Load()), l...)
	emit(errorLastTimestamp, float64(t.lastErrorUnixMilli.Load()), l...) // 0: none yet, as in Kafka
}
