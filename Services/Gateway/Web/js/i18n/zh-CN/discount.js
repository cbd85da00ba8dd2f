// Discount approval's strings (zh-CN, issue 12): the quote builder's warning, the versions' state on the deal page, the
// approval page's link back to the quote and the admin's 折扣权限 screen, loaded with them (i18n.js loadMessages).
export default {
  'discount.yourLimit': '你的折扣权限：每行最多低于目录价 {limit}', 'discount.unlimited': '不限',
  'discount.lineOff': '低于目录价 {percent}', 'discount.aboveLimit': '超出折扣权限 {limit}，需审批',
  'discount.builderNotice': '有 {count} 行超出你的折扣权限 {limit}：保存后自动提交折扣审批，批准前不能生成合同。',
  'discount.savedPending': '已保存，待折扣审批：审批通过后才能生成合同。',
  'discountStatus.pending_approval': '待折扣审批', 'discountStatus.approved': '折扣已批准', 'discountStatus.rejected': '折扣被驳回',
  'discountStatus.recalled': '折扣审批已撤回',
  'discount.summary': '最大行折扣 {max}（权限 {limit}）· 折扣金额 {worth}', 'discount.openApproval': '查看折扣审批',
  'discount.blocked': '折扣批准后才能生成合同', 'discount.rejectedHint': '折扣未获批准：请新建一个版本。',
  'discount.comment': '审批意见：{comment}', 'discount.noApproval': '暂未找到这次折扣审批，请稍后再试',
  'discount.limitsTitle': '折扣权限',
  'discount.limitsHint': '每个角色每行最多可低于目录价多少（降价和折扣都算）；超出的报价版本需要审批。留空表示不限。',
  'discount.limitLabel': '{role}（%）', 'discount.save': '保存折扣权限', 'discount.savedToast': '折扣权限已保存',
  'discount.updated': '{who} 于 {time} 修改', 'discount.badLimit': '请输入 0 到 100 之间的百分比，最多两位小数',
  'approval.openQuote': '查看报价', 'discount.worthLabel': '折扣金额（目录价 − 报价）',
};
