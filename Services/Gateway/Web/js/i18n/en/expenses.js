// The expense-claim screens' strings (en, issue 12), loaded with them (i18n.js loadMessages).
export default {
  'nav.expenses': 'Expenses', 'title.expenses': 'Expense claims',
  'expenses.new': 'New claim', 'expenses.none': 'No expense claims yet', 'expenses.byStatus': 'By status',
  'expenses.category': 'Category', 'expenses.amount': 'Amount', 'expenses.spentOn': 'Date spent', 'expenses.description': 'Purpose',
  'expenses.descriptionHint': 'e.g. train to Ningbo for a customer visit', 'expenses.customer': 'Customer (optional)', 'expenses.noCustomer': 'No customer',
  'expenses.submitForApproval': 'Submit for approval', 'expenses.submitted': 'Submitted for approval', 'expenses.submitAgain': 'Submit again',
  'expenses.pay': 'Mark paid', 'expenses.payTitle': 'Confirm payment', 'expenses.payConfirm': 'Paid {amount} to {name}?',
  'expenses.paidToast': 'Marked paid', 'expenses.number': 'Number', 'expenses.submittedAt': 'Submitted', 'expenses.decidedAt': 'Decided',
  'expenses.decisionComment': 'Approver\'s comment', 'expenses.paidAt': 'Paid', 'expenses.openApproval': 'See the approval',
  'expenses.policyHint': 'Up to 5,000 CNY the supervisor approves; above that the supervisor, then the regional manager.',
  'expenseCategory.travel': 'Travel', 'expenseCategory.entertainment': 'Entertainment', 'expenseCategory.transport': 'Transport', 'expenseCategory.other': 'Other',
  // The approval page of any subject (approval.js loads these too).
  'approval.subject.contract': 'Contract', 'approval.subject.expense_claim': 'Expense claim', 'approval.subject.discount': 'Discount',
  'approval.subjectKind': 'Type', 'approval.subjectTitle': 'Purpose', 'approval.openExpenseClaim': 'Open the expense claim',
  'expense.draft': 'Draft', 'expense.pending_approval': 'Pending approval', 'expense.approved': 'Approved', 'expense.rejected': 'Rejected', 'expense.paid': 'Paid',
};
