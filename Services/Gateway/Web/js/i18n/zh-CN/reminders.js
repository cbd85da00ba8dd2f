// The approval policy screen's reminder and escalation strings (zh-CN, issue 12), loaded with the policy, approval and contract screens (i18n.js loadMessages).
export default {
  'reminders.title': '催办与升级',
  'reminders.hint': '按工作时间计算（工作日 09:00–12:00、13:30–18:00，节假日与调休见“节假日”）。每个待审步骤在设定时间后提醒审批人，之后每个工作日提醒一次；超过时限时通知审批人的上级，或直接转交上级审批。',
  'reminders.current': '{hours} 个工作小时后提醒，最多 {count} 次；{days} 个工作日后{action}',
  'reminders.hours': '首次提醒（工作小时）',
  'reminders.hoursHint': '默认 4',
  'reminders.count': '最多提醒次数',
  'reminders.countHint': '每个工作日一次，默认 3；0 为不提醒',
  'reminders.days': '处理时限（工作日）',
  'reminders.daysHint': '默认 1；三级审批约 2 个工作日完成',
  'reminders.escalation': '超时后',
  'reminders.escalation.notify': '通知上级',
  'reminders.escalation.reassign': '转交上级审批',
  'reminders.number': '须为数字',
  'api:must be 0.5 to 75 working hours': '须为 0.5 至 75 个工作小时',
  'api:must be 0 to 10': '须为 0 至 10',
  'api:must be 0.1 to 30 working days': '须为 0.1 至 30 个工作日',
  'api:must be notify or reassign': '须为“通知上级”或“转交上级审批”',
  // The approval timeline's deadline, reminders and escalations (js/views/contract-parts.js), loaded with the approval and
  // contract screens.
  'approval.dueBy': '应在 {time} 前处理', 'approval.reminded': '已催办 {count} 次', 'approval.escalatedAlone': '已升级：{time} 超时（无上级可通知）',
  'approval.escalatedTold': '已升级：{time} 超时，已通知 {name}', 'approval.escalatedMoved': '已升级：{time} 超时，已从 {from} 转交 {name}',
  'delegation.moved.escalated': '超时升级，已转交上级',
};
