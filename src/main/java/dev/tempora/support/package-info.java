/** What every module shares: the clock, API conventions (durations, timestamps, problems), limits. */
package dev.tempora.support;
