import type { AliyunClient, TaskRef } from '../aliyun/api.js';
import { AliyunApiError, describeError, RemediationError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ResumePoint } from './decide.js';

export interface RestartResult {
  /** The TaskId the API reported; may differ from the request's ("the new task"). */
  readonly taskId: string;
  /** Where playback resumes, when FileIndex/Offset were updated before the restart. */
  readonly resumed?: ResumePoint;
  /** Why resuming was not possible (the task then restarts from the beginning of its playlist). */
  readonly resumeError?: string;
}

/**
 * The mutating sequence of one restart: (Stop, when the task is still running or retrying and must be
 * stopped to take a new position) → Update FileIndex/Offset (only allowed while stopped;
 * docs/alert.md) → Restart. A failed Update does not block the Restart: playing from the
 * start beats staying down — unless its answer was lost (it may have applied: the caller looks
 * first). Rejects with RemediationError (`action`: the call that failed; cause: the API error).
 */
export async function restartRelayTask(
  client: AliyunClient,
  log: Logger,
  ref: TaskRef,
  plan: {
    readonly stopFirst: boolean;
    readonly resume?: ResumePoint | undefined;
    /** The task was described with this resume point already set (a lost Update had applied): no Update. */
    readonly resumeSet?: boolean | undefined;
  },
): Promise<RestartResult> {
  if (plan.stopFirst) {
    try {
      await client.stopRelayTask(ref);
    } catch (error) {
      // Already stopped is what we wanted; anything else means we cannot take it further safely.
      if (!(error instanceof AliyunApiError && error.code === 'CodeTaskHasStopped')) {
        throw new RemediationError(`could not stop ${ref.taskId} before resuming it`, {
          action: 'StopLivePullToPush',
          taskId: ref.taskId,
          cause: error,
        });
      }
    }
  }
  let resumed: ResumePoint | undefined;
  let resumeError: string | undefined;
  if (plan.resume && plan.resumeSet) {
    resumed = plan.resume;
  } else if (plan.resume) {
    try {
      await client.updateRelayTask({
        ...ref,
        fileIndex: plan.resume.fileIndex,
        // Offset must be > 0 (seconds from the first frame); 0 means "start of the file".
        ...(plan.resume.offset > 0 ? { offset: plan.resume.offset } : {}),
      });
      resumed = plan.resume;
    } catch (error) {
      // The Update may have been applied: the caller describes the task and decides again.
      if (error instanceof AliyunApiError && error.outcomeUnknown) {
        throw new RemediationError(`the answer to the resume Update of ${ref.taskId} was lost`, {
          action: 'UpdateLivePullToPush',
          taskId: ref.taskId,
          cause: error,
        });
      }
      resumeError = describeError(error);
      log.warn('could not set the resume position; restarting from the beginning', {
        taskId: ref.taskId,
        error,
      });
    }
  }
  try {
    const { taskId } = await client.restartRelayTask(ref);
    return {
      taskId: taskId || ref.taskId,
      ...(resumed ? { resumed } : {}),
      ...(resumeError ? { resumeError } : {}),
    };
  } catch (error) {
    throw new RemediationError(`could not restart ${ref.taskId}`, {
      action: 'RestartLivePullToPush',
      taskId: ref.taskId,
      cause: error,
    });
  }
}
