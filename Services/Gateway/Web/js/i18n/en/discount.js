// Discount approval's strings (en, issue 12): the quote builder's warning, the versions' state on the deal page, the
// approval page's link back to the quote and the admin's discount-limit screen, loaded with them (i18n.js loadMessages).
export default {
  'discount.yourLimit': 'Your discount limit: at most {limit} below list price per line', 'discount.unlimited': 'no limit',
  'discount.lineOff': '{percent} below list price', 'discount.aboveLimit': 'Above your discount limit of {limit}: needs approval',
  'discount.builderNotice': '{count} line(s) above your discount limit of {limit}: saving sends the version to discount approval; no contract until approved.',
  'discount.savedPending': 'Saved, awaiting discount approval: a contract can be made once it is approved.',
  'discountStatus.pending_approval': 'Awaiting discount approval', 'discountStatus.approved': 'Discount approved', 'discountStatus.rejected': 'Discount rejected',
  'discountStatus.recalled': 'Discount approval recalled',
  'discount.summary': 'Largest line discount {max} (limit {limit}) · worth {worth}', 'discount.openApproval': 'View discount approval',
  'discount.blocked': 'A contract can be made once the discount is approved', 'discount.rejectedHint': 'Discount not approved: make a new version.',
  'discount.comment': 'Approver\'s comment: {comment}', 'discount.noApproval': 'The discount approval is not there yet; try again shortly',
  'discount.limitsTitle': 'Discount limits',
  'discount.limitsHint': 'How far below the list price each role may quote a line (a lower price counts as a discount); versions beyond it need approval. Empty means no limit.',
  'discount.limitLabel': '{role} (%)', 'discount.save': 'Save discount limits', 'discount.savedToast': 'Discount limits saved',
  'discount.updated': 'changed by {who} at {time}', 'discount.badLimit': 'Enter a percentage from 0 to 100 with at most two decimals',
  'approval.openQuote': 'View quote', 'discount.worthLabel': 'Discount worth (list − quoted)',
};
