/**
 * The server's scheduled background jobs (retention, the alert sweep, notification delivery, the node's heartbeat
 * and configuration check) and how they stop.
 *
 * <p>Rules: every scheduled job runs on a {@link dev.tally.server.jobs.BackgroundJobs}, which the server stops
 * before anything the jobs use (the store's pool above all) is closed: a job in progress is given a grace period,
 * then interrupted and waited for. A job's failure is reported through
 * {@link dev.tally.server.jobs.BackgroundJobs#failed}: a warning while the server runs, only a debug line once its
 * jobs are stopping, when an interrupted wait or a refused call is the expected end of the job.
 */
package dev.tally.server.jobs;
