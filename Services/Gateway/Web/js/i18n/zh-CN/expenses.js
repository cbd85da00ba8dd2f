// The expense-claim screens' strings (zh-CN, issue 12), loaded with them (i18n.js loadMessages).
export default {
  'nav.expenses': '报销', 'title.expenses': '报销',
  'expenses.new': '新建报销', 'expenses.none': '还没有报销单', 'expenses.byStatus': '按状态',
  'expenses.category': '类别', 'expenses.amount': '金额', 'expenses.spentOn': '发生日期', 'expenses.description': '事由',
  'expenses.descriptionHint': '如：宁波客户拜访往返高铁', 'expenses.customer': '关联客户（可选）', 'expenses.noCustomer': '不关联客户',
  'expenses.submitForApproval': '提交审批', 'expenses.submitted': '已提交审批', 'expenses.submitAgain': '重新提交审批',
  'expenses.pay': '标记已付款', 'expenses.payTitle': '确认已付款', 'expenses.payConfirm': '确认已向 {name} 付款 {amount}？',
  'expenses.paidToast': '已标记付款', 'expenses.number': '单号', 'expenses.submittedAt': '提交时间', 'expenses.decidedAt': '审批完成',
  'expenses.decisionComment': '审批意见', 'expenses.paidAt': '付款时间', 'expenses.openApproval': '查看审批进度',
  'expenses.policyHint': '5,000 元以内由主管审批；超过 5,000 元由主管、区域经理依次审批。',
  'expenseCategory.travel': '差旅', 'expenseCategory.entertainment': '招待', 'expenseCategory.transport': '交通', 'expenseCategory.other': '其他',
  // The approval page of any subject (approval.js loads these too).
  'approval.subject.contract': '合同', 'approval.subject.expense_claim': '报销', 'approval.subject.discount': '折扣',
  'approval.subjectKind': '审批类型', 'approval.subjectTitle': '事由', 'approval.openExpenseClaim': '查看报销单',
  'expense.draft': '草稿', 'expense.pending_approval': '审批中', 'expense.approved': '已批准', 'expense.rejected': '已驳回', 'expense.paid': '已付款',
};
