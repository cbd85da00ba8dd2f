// The approval policy screen's reminder and escalation strings (en, issue 12), loaded with the policy, approval and contract screens (i18n.js loadMessages).
export default {
  'reminders.title': 'Reminders and escalation',
  'reminders.hint': 'Counted in working time (09:00–12:00 and 13:30–18:00 on working days; see Holidays). A pending step reminds its approver after the set time, then once each working day; past its time limit the approver\'s manager is told, or the step moves to them.',
  'reminders.current': 'reminded after {hours} working hours, at most {count} times; after {days} working days: {action}',
  'reminders.hours': 'First reminder (working hours)',
  'reminders.hoursHint': 'default 4',
  'reminders.count': 'Reminders at most',
  'reminders.countHint': 'one each working day, default 3; 0 for none',
  'reminders.days': 'Time limit (working days)',
  'reminders.daysHint': 'default 1; a three-step approval then takes about 2 working days',
  'reminders.escalation': 'When it runs out',
  'reminders.escalation.notify': 'tell the manager',
  'reminders.escalation.reassign': 'move it to the manager',
  'reminders.number': 'must be a number',
  // The approval timeline's deadline, reminders and escalations (js/views/contract-parts.js), loaded with the approval and
  // contract screens.
  'approval.dueBy': 'due by {time}', 'approval.reminded': 'reminded {count}×', 'approval.escalatedAlone': 'Escalated: overdue at {time} (nobody above to tell)',
  'approval.escalatedTold': 'Escalated: overdue at {time}, {name} told', 'approval.escalatedMoved': 'Escalated: overdue at {time}, moved from {from} to {name}',
  'delegation.moved.escalated': 'overdue: moved up to the manager',
};
